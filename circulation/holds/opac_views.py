"""Hold pages for patrons (OPAC): place, "Mina reservationer", cancel, pause. Thin views; the
desk's pages are in ``desk_views``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import Record
from circulation.holds import inputs, selectors, services
from patrons.opac_auth import patron_required


@patron_required
def opac_place(request: HttpRequest, record_id: int) -> HttpResponse:
    """Place a hold on a title; the pickup library defaults to the patron's home library."""
    record = get_object_or_404(Record, pk=record_id)
    patron = request.patron
    pickup_id = str(patron.home_library_id)
    if request.method == "POST":
        pickup = inputs.pickup_library(request.POST.get("pickup_library"))
        if pickup is None:
            messages.error(request, _("Choose a pickup library."))
        else:
            try:
                services.place_hold(
                    patron=patron, record=record, pickup_library=pickup, now=timezone.now()
                )
            except services.HoldRefused as refused:
                messages.error(request, str(refused.message))
                pickup_id = str(pickup.pk)
            else:
                messages.success(
                    request, _("Your hold is placed. We will tell you when it is ready.")
                )
                return redirect("opac_holds:mine")
    return render(
        request,
        "circulation/holds/opac_place.html",
        {"record": record, "libraries": selectors.pickup_libraries(), "pickup_id": pickup_id},
    )


@patron_required
def opac_my_holds(request: HttpRequest) -> HttpResponse:
    """Mina reservationer: each hold with its place in the queue, state and pickup deadline."""
    return render(
        request,
        "circulation/holds/opac_mine.html",
        {"holds": selectors.holds_of_patron(request.patron), "today": timezone.localdate()},
    )


@require_POST
@patron_required
def opac_cancel(request: HttpRequest, hold_id: int) -> HttpResponse:
    """Cancel one of my holds."""
    hold = selectors.hold_of_patron(request.patron, hold_id)
    if hold is None:
        raise Http404
    try:
        services.cancel_hold(hold=hold, now=timezone.now(), reason="patron")
    except services.HoldRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The hold is cancelled."))
    return redirect("opac_holds:mine")


@require_POST
@patron_required
def opac_suspend(request: HttpRequest, hold_id: int) -> HttpResponse:
    """Pause one of my holds until a date, or resume it (empty date)."""
    hold = selectors.hold_of_patron(request.patron, hold_id)
    if hold is None:
        raise Http404
    raw = request.POST.get("until", "")
    until = inputs.optional_date(raw)
    if raw and until is None:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
        return redirect("opac_holds:mine")
    try:
        services.suspend_hold(hold=hold, until=until, now=timezone.now())
    except services.HoldRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request, _("The hold is paused.") if until else _("The hold is active again.")
        )
    return redirect("opac_holds:mine")
