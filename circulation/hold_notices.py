"""The "your hold is ready" e-mail, in the patron's language, through the configured backend."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from circulation.hold_models import Hold


def send_ready_email(hold: Hold) -> bool:
    """Send the notice; False when the patron has no e-mail address (nothing is sent)."""
    patron = hold.patron
    if not patron.email:
        return False
    tz = ZoneInfo(hold.pickup_library.timezone or "Europe/Stockholm")
    context = {
        "first_name": patron.first_name,
        "title": hold.record.title,
        "library": hold.pickup_library.name,
        "deadline": hold.pickup_deadline.astimezone(tz).date() if hold.pickup_deadline else None,
    }
    with translation.override(patron.preferred_language or "sv"):
        subject = render_to_string("circulation/holds/email/ready_subject.txt", context).strip()
        body = render_to_string("circulation/holds/email/ready_body.txt", context)
    send_mail(subject, body, None, [patron.email])
    return True
