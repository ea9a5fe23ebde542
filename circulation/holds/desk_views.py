"""Hold pages for the desk (staff): place for a patron, hold shelf, pick list, a title's
queue, hold slip. Thin views; the patron's own pages are in ``opac_views``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import Item, Record
from circulation.holds import inputs, selectors, services
from circulation.holds.models import Hold
from libraries.access import staff_required
from libraries.policy import Action
from patrons.selectors import patron_by_card

# --- Desk --------------------------------------------------------------------------------


@staff_required(Action.HOLDS)
def shelf(request: HttpRequest) -> HttpResponse:
    """The working library's hold shelf, copies on their way here, holds not picked up."""
    library = request.working_library
    return render(
        request,
        "circulation/holds/shelf.html",
        {
            "shelf": selectors.hold_shelf(library),
            "coming": selectors.coming_to_shelf(library),
            "expired": selectors.recently_expired(library, now=timezone.now()),
        },
    )


@staff_required(Action.HOLDS)
def pick_list(request: HttpRequest) -> HttpResponse:
    """The hämtlista: copies to take from the shelves here for holds; found / not on shelf."""
    if request.method == "POST":
        hold = get_object_or_404(Hold, pk=request.POST.get("hold") or 0)
        try:
            if request.POST.get("action") == "found":
                capture = services.mark_found(
                    hold=hold,
                    library=request.working_library,
                    staff=request.user,
                    now=timezone.now(),
                )
                messages.success(request, capture.message)
            else:
                services.mark_not_on_shelf(
                    hold=hold,
                    library=request.working_library,
                    staff=request.user,
                    now=timezone.now(),
                )
                messages.info(request, _("Marked missing; another copy is looked for."))
        except services.HoldRefused as refused:
            messages.error(request, str(refused.message))
        return redirect("holds:pick-list")
    return render(
        request,
        "circulation/holds/pick_list.html",
        {"lines": selectors.pick_list(request.working_library)},
    )


@staff_required(Action.HOLDS)
def place_for_patron(request: HttpRequest) -> HttpResponse:
    """Place a hold for a patron at the desk: card number, title (record number or a copy's
    barcode for an item-level hold), pickup library."""
    form = {
        "card": request.POST.get("card", ""),
        "title": request.POST.get("title", request.GET.get("record", "")),
        "pickup": request.POST.get("pickup_library", str(request.working_library.pk)),
    }
    if request.method == "POST":
        patron = patron_by_card(form["card"])
        text = form["title"].strip()
        item = Item.objects.filter(barcode=text).select_related("record").first()
        record = (
            item.record
            if item
            else (Record.objects.filter(pk=text).first() if text.isdigit() else None)
        )
        pickup = inputs.pickup_library(form["pickup"])
        if patron is None:
            messages.error(request, _("No patron has this library card."))
        elif record is None:
            messages.error(request, _("No title has this number or copy barcode."))
        elif pickup is None:
            messages.error(request, _("Choose a pickup library."))
        else:
            try:
                services.place_hold(
                    patron=patron,
                    record=record,
                    pickup_library=pickup,
                    item=item,
                    staff=request.user,
                    now=timezone.now(),
                )
            except services.HoldRefused as refused:
                messages.error(request, str(refused.message))
            else:
                messages.success(request, _("The hold is placed."))
                return redirect("holds:queue", record_id=record.pk)
    return render(
        request,
        "circulation/holds/place.html",
        {"form": form, "libraries": selectors.pickup_libraries()},
    )


@staff_required(Action.HOLDS)
def queue(request: HttpRequest, record_id: int) -> HttpResponse:
    """A title's hold queue; staff move holds up, down, to the top, or cancel them."""
    record = get_object_or_404(Record, pk=record_id)
    if request.method == "POST":
        hold = get_object_or_404(Hold, pk=request.POST.get("hold") or 0, record=record)
        action = request.POST.get("action", "")
        try:
            if action == "cancel":
                services.cancel_hold(
                    hold=hold, now=timezone.now(), staff=request.user, reason="staff"
                )
            else:
                services.move_hold(
                    hold=hold, direction=action, staff=request.user, now=timezone.now()
                )
        except services.HoldRefused as refused:
            messages.error(request, str(refused.message))
        return redirect("holds:queue", record_id=record.pk)
    return render(
        request,
        "circulation/holds/queue.html",
        {"record": record, "holds": selectors.queue_for_record(record)},
    )


@require_POST
@staff_required(Action.HOLDS)
def desk_cancel(request: HttpRequest, hold_id: int) -> HttpResponse:
    """Cancel a patron's hold from the staff patron page; back to that page."""
    hold = get_object_or_404(Hold, pk=hold_id)
    try:
        services.cancel_hold(hold=hold, now=timezone.now(), staff=request.user, reason="staff")
    except services.HoldRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The hold is cancelled."))
    return redirect("patrons:detail", patron_id=hold.patron_id)


@require_POST
@staff_required(Action.HOLDS)
def desk_suspend(request: HttpRequest, hold_id: int) -> HttpResponse:
    """Pause a patron's waiting hold until a date, or resume it (empty date), from the staff
    patron page; back to that page."""
    hold = get_object_or_404(Hold, pk=hold_id)
    raw = request.POST.get("until", "")
    until = inputs.optional_date(raw)
    if raw and until is None:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
        return redirect("patrons:detail", patron_id=hold.patron_id)
    try:
        services.suspend_hold(hold=hold, until=until, now=timezone.now())
    except services.HoldRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request, _("The hold is paused.") if until else _("The hold is active again.")
        )
    return redirect("patrons:detail", patron_id=hold.patron_id)


@staff_required(Action.HOLDS)
def slip(request: HttpRequest, hold_id: int) -> HttpResponse:
    """The hold slip to put in the book on the hold shelf (printable)."""
    hold = get_object_or_404(Hold, pk=hold_id, state=Hold.State.ON_HOLD_SHELF)
    return render(request, "circulation/holds/slip.html", {"slip": selectors.hold_slip(hold)})
