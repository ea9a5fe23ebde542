"""The text of a notice, rendered when it is sent (nothing of it is stored).

``compose`` returns None when nothing is left to say: every loan of a due-soon or overdue
notice was returned or renewed since, the hold was picked up, the card was renewed. Titles
appear only in the message itself, never in logs or task arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone, translation
from django.utils.html import linebreaks

from circulation.models import Fee, Hold
from libraries.models import Library
from notices import defaults, due, sandbox
from notices.models import Notice, NoticeSent, NoticeTemplate


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    sms: str


def template_for(kind: str, language: str) -> dict[str, str]:
    row = NoticeTemplate.objects.filter(kind=kind, language=language).first()
    if row is not None:
        return {"subject": row.subject, "body": row.body, "sms": row.sms}
    return defaults.DEFAULTS[(kind, language)]


def libraries_text() -> str:
    names = Library.objects.filter(kind=Library.Kind.LIBRARY).order_by("name")
    return ", ".join(names.values_list("name", flat=True))


def render(template: dict[str, str], context: dict, language: str) -> Message:
    with translation.override(language):
        text = sandbox.render(template["body"], context)
        html = linebreaks(sandbox.render(template["body"], context, html=True), autoescape=False)
        return Message(
            subject=" ".join(sandbox.render(template["subject"], context).split()),
            text=text,
            html=f"<!doctype html><html><body>{html}</body></html>",
            sms=" ".join(sandbox.render(template["sms"], context).split()),
        )


def _money(amount: Decimal) -> str:
    return formats.number_format(amount, 2, use_l10n=True)


def context_of(notice: Notice, *, include_closed: bool = False) -> dict | None:
    """The plain values a template sees, or None when nothing is left to say."""
    patron = notice.patron
    context: dict = {
        "first_name": patron.first_name,
        "library": notice.library.name,
        "libraries": libraries_text(),
        "level": notice.level,
    }
    about = list(NoticeSent.objects.filter(notice=notice).select_related("loan__item__record"))
    if notice.kind in due.LOAN_KINDS:
        rows = []
        fees = {}
        if notice.kind == due.BILL:
            fees = dict(
                Fee.objects.filter(
                    loan_id__in=[a.loan_id for a in about], kind=Fee.Kind.LOST
                ).values_list("loan_id", "amount")
            )
        for sent in about:
            loan = sent.loan
            if loan is None:
                continue
            tz = timezone.get_default_timezone()
            still = loan.returned_at is None and timezone.localtime(loan.due_at, tz).date() == (
                sent.ref_date
            )
            if notice.kind != due.BILL and not still and not include_closed:
                continue  # returned or renewed since: no reminder about it
            amount = fees.get(loan.pk, loan.item.price or Decimal("0"))
            rows.append(
                {
                    "title": loan.item.record.title,
                    "due_date": sent.ref_date,
                    "amount": _money(amount),
                    "_amount": amount,
                }
            )
        if not rows:
            return None
        context.update(
            loans=[{k: v for k, v in row.items() if not k.startswith("_")} for row in rows],
            count=len(rows),
            due_date=min(row["due_date"] for row in rows),
            total=_money(sum((row["_amount"] for row in rows), Decimal("0"))),
        )
        return context
    if notice.kind in (due.HOLD_READY, due.HOLD_EXPIRING):
        sent = about[0] if about else None
        hold = (
            Hold.objects.select_related("record", "pickup_library").filter(pk=sent.hold_id).first()
            if sent
            else None
        )
        if hold is None or (hold.state != Hold.State.ON_HOLD_SHELF and not include_closed):
            return None
        tz = timezone.get_default_timezone()
        context.update(
            title=hold.record.title,
            pickup_library=hold.pickup_library.name,
            deadline=timezone.localtime(hold.pickup_deadline, tz).date()
            if hold.pickup_deadline
            else None,
        )
        return context
    if notice.kind == due.CARD_EXPIRING:
        sent = about[0] if about else None
        if sent is None or (patron.expiry_date != sent.ref_date and not include_closed):
            return None
        context["expiry_date"] = sent.ref_date
        return context
    return None


def compose(notice: Notice, *, include_closed: bool = False) -> Message | None:
    context = context_of(notice, include_closed=include_closed)
    if context is None:
        return None
    language = notice.patron.preferred_language or "sv"
    return render(template_for(notice.kind, language), context, language)


SAMPLE = {
    "first_name": "Astrid",
    "library": "Karlskoga bibliotek",
    "libraries": "Degerfors bibliotek, Hällefors bibliotek, Karlskoga bibliotek, "
    "Kristinehamns bibliotek, Storfors bibliotek",
    "level": 1,
    "count": 2,
    "total": "398,00",
    "title": "Bibliotek utan gränser",
    "pickup_library": "Storfors bibliotek",
}


def sample_context() -> dict:
    """A made-up patron for the template preview (never a real one)."""
    today = timezone.localdate()
    return {
        **SAMPLE,
        "due_date": today,
        "deadline": today,
        "expiry_date": today,
        "loans": [
            {"title": "Pippi Långstrump", "due_date": today, "amount": "199,00"},
            {"title": "Mumintrollet", "due_date": today, "amount": "199,00"},
        ],
    }
