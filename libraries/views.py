"""Staff shell pages: choose a working library, the desk start page, health check."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from libraries import calendar as cal
from libraries import services
from libraries.access import SESSION_KEY, attach_staff, staff_required
from libraries.policy import Action
from libraries.services import CalendarRefused


@login_required
def choose_library(request: HttpRequest) -> HttpResponse:
    """Pick the library the staff member works at now (any library they have a role at)."""
    access = attach_staff(request)
    if not access.is_staff:
        raise PermissionDenied
    next_url = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/staff/"
    if request.method == "POST":
        try:
            library = access.library(int(request.POST.get("library", "")))
        except ValueError:
            library = None
        if library is not None:
            request.session[SESSION_KEY] = library.id
            return redirect(next_url)
    elif len(access.libraries) == 1 and not access.is_consortium_admin:
        # Staff with one library work there: no question after every login.
        request.session[SESSION_KEY] = access.libraries[0].id
        return redirect(next_url)
    return render(
        request,
        "libraries/choose_library.html",
        {"libraries": access.libraries, "next": next_url},
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and Redis reachability, for load balancers and monitoring."""
    from django.core.cache import cache

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", timeout=5)
        checks["redis"] = "ok" if cache.get("healthz") == "1" else "error: no roundtrip"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


WEEKDAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


@staff_required(Action.LIBRARY_ADMIN)
def opening_calendar(request: HttpRequest) -> HttpResponse:
    """The working library's week, public holidays ahead and its own closed/open days."""
    library = request.working_library
    today = timezone.localdate()
    error = None
    if request.method == "POST":
        try:
            _apply_calendar_post(request, library, today)
            messages.success(request, _("The calendar was saved."))
            return redirect("opening-calendar")
        except (CalendarRefused, ValueError) as exc:
            error = getattr(exc, "message", _("Give a valid date (YYYY-MM-DD)."))
    exceptions = list(library.calendar_exceptions.filter(date__gte=today).order_by("date"))
    calendar = library.calendar(exceptions={e.date: e.is_open for e in exceptions})
    holidays = [
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in sorted(cal.swedish_public_holidays(year).items())
        if today <= day <= today + timedelta(days=365)
    ]
    upcoming = [
        (today + timedelta(days=n), cal.is_open(calendar, today + timedelta(days=n)))
        for n in range(14)
    ]
    return render(
        request,
        "libraries/calendar.html",
        {
            "library": library,
            "weekdays": [(i, WEEKDAY_NAMES[i], i in library.open_weekdays) for i in range(7)],
            "exceptions": exceptions,
            "holidays": holidays,
            "upcoming": upcoming,
            "error": error,
            "today": today,
        },
        status=400 if error else 200,
    )


def _apply_calendar_post(request: HttpRequest, library, today) -> None:
    action = request.POST.get("action")
    if action == "weekdays":
        services.set_open_weekdays(
            library=library, weekdays={int(d) for d in request.POST.getlist("weekday")}
        )
    elif action == "exception":
        services.set_exception(
            library=library,
            day=date.fromisoformat(request.POST.get("date", "")),
            is_open=request.POST.get("is_open") == "1",
            reason=request.POST.get("reason", ""),
            staff=request.user,
            today=today,
        )
    elif action == "contact":
        services.set_contact_details(
            library=library,
            address=request.POST.get("address", ""),
            phone=request.POST.get("phone", ""),
            opening_hours=request.POST.get("opening_hours", ""),
        )
    elif action == "remove":
        services.remove_exception(library=library, exception_id=int(request.POST.get("id", "")))
    else:
        raise ValueError(action)
