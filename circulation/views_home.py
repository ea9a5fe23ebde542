"""The staff start page (desk audience): the working library's day in counts — loans, hold
work, transport. It lives here, not in libraries, because it reads circulation and transport
(libraries imports no other app)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from circulation import desk_selectors
from libraries.access import staff_required
from libraries.policy import Action
from transport import selectors as transport_selectors


@staff_required(Action.STAFF_AREA)
def staff_home(request: HttpRequest) -> HttpResponse:
    """The desk start page: the working library's day in counts, and the desk's main tasks."""
    library = request.working_library
    zone = ZoneInfo(library.timezone)
    today = timezone.now().astimezone(zone).date()
    return render(
        request,
        "libraries/staff_home.html",
        {
            "today": today,
            "loans_today": desk_selectors.loans_made_since(
                library=library, since=datetime.combine(today, time.min, tzinfo=zone)
            ),
            "holds": desk_selectors.hold_work(library=library),
            "transport": transport_selectors.transport_today(library=library, day=today),
        },
    )
