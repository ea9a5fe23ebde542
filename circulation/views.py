"""The circulation desk, under /staff/circulation/: checkout, checkin and the checkout receipt.

Keyboard first: a barcode scanner types into the focused scan field and presses Enter. With htmx
each scan returns just its row (and the refreshed patron summary); without JavaScript the form
posts, the row is kept in the session and the page is shown again (post/redirect/get).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circulation import desk_selectors, refusals, renewals, services
from circulation.forms import CardScanForm, ItemScanForm
from circulation.models import Loan
from libraries.access import staff_required
from libraries.policy import Action
from patrons import selectors as patron_selectors
from patrons import services as patron_services
from patrons.models import Card, Patron

CHECKOUT = "circulation_checkout"
CHECKIN = "circulation_checkin"
MAX_ROWS = 100


# --- Checkout ------------------------------------------------------------------------------


def _checkout_state(request: HttpRequest, patron_id: int) -> dict:
    state = request.session.get(CHECKOUT)
    if not state or state.get("patron") != patron_id:
        state = {"patron": patron_id, "rows": [], "next": 1}
    return state


def _open_checkout(request: HttpRequest, patron: Patron) -> None:
    """Start a checkout session for ``patron`` and write the view of their summary to the access
    log: once per session, not on every item scan."""
    request.session[CHECKOUT] = {"patron": patron.pk, "rows": [], "next": 1}
    patron_services.log_access(
        patron=patron, staff=request.user, library=request.working_library, now=timezone.now()
    )


def _card_error(number: str) -> str:
    if patron_selectors.card_status(number) in (Card.Status.LOST, Card.Status.REPLACED):
        return _("This card is reported lost or replaced. Ask for the patron's current card.")
    return _("No patron has this library card.")


@staff_required(Action.CIRCULATE)
def checkout_start(request: HttpRequest) -> HttpResponse:
    """Start a checkout by scanning the patron's library card."""
    form = CardScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patron = patron_selectors.patron_by_card(form.cleaned_data["card"])
        if patron is not None:
            _open_checkout(request, patron)
            return redirect("circulation:checkout", patron_id=patron.pk)
        form.add_error("card", _card_error(form.cleaned_data["card"]))
    return render(request, "circulation/checkout_start.html", {"form": form})


def _may_override(request: HttpRequest) -> bool:
    return request.staff_access.may(Action.OVERRIDE, request.working_library)


def _lend(request: HttpRequest, patron_id: int, barcode: str, override_reason: str = "") -> dict:
    """Call the checkout service and describe the outcome as a row (plain values)."""
    barcode = "".join(barcode.split())
    row: dict = {"barcode": barcode}
    try:
        loan = services.check_out(
            barcode=barcode,
            library=request.working_library,
            staff=request.user,
            now=timezone.now(),
            # The service locks the patron row by primary key; it needs no loaded instance.
            patron=Patron(pk=patron_id),
            override_reason=override_reason or None,
        )
    except refusals.CheckoutRefused as refused:
        row.update(
            ok=False,
            reason=refused.reason,
            messages=[str(r.message) for r in refused.refusals],
            overridable=refused.overridable and _may_override(request),
        )
        details = refused.details or {}
        if refused.reason == refusals.ALREADY_ON_LOAN and details:
            # Another patron's loan: offered only with a confirmation that names both.
            row["take_over"] = dict(details)
        elif refused.reason == refusals.ON_LOAN_TO_THIS_PATRON:
            row["renew_loan"] = details["loan"]
    else:
        row.update(
            ok=True,
            loan=loan.pk,
            title=loan.item.record.title,
            due=timezone.localdate(loan.due_at).isoformat(),
            overridden=bool(loan.override_reason),
        )
    return row


def _checkout_response(
    request: HttpRequest, patron_id: int, state: dict, row: dict, replaces: int | None
) -> HttpResponse:
    """Keep the row in the session; answer htmx with the row, a plain form with a redirect."""
    row["key"] = state["next"]
    state["next"] += 1
    rows = [r for r in state["rows"] if r["key"] != replaces]
    state["rows"] = [row, *rows][:MAX_ROWS]
    request.session[CHECKOUT] = state
    if not request.htmx:
        return redirect("circulation:checkout", patron_id=patron_id)
    summary = desk_selectors.patron_summary(patron_id, now=timezone.now())
    if summary is None:
        raise Http404
    return render(
        request,
        "circulation/checkout.html#scanned",
        {"row": row, "summary": summary, "oob": True},
    )


def _replaces(request: HttpRequest) -> int | None:
    value = request.POST.get("replaces", "")
    return int(value) if value.isdigit() else None


@staff_required(Action.CIRCULATE)
def checkout(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Lend items to one patron: the summary, then each scanned item's due date or refusal."""
    state = _checkout_state(request, patron_id)
    form = ItemScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row = _lend(
            request,
            patron_id,
            form.cleaned_data["barcode"],
            request.POST.get("override_reason", "").strip(),
        )
        return _checkout_response(request, patron_id, state, row, _replaces(request))
    if request.method == "POST" and request.htmx:
        return HttpResponse(status=204)  # an empty scan: nothing to do
    summary = desk_selectors.patron_summary(patron_id, now=timezone.now())
    if summary is None:
        raise Http404
    if (request.session.get(CHECKOUT) or {}).get("patron") != patron_id:
        _open_checkout(request, summary.patron)  # opened from a link, not by a card scan
    alert = desk_selectors.checkout_alert(summary, library=request.working_library)
    return render(
        request,
        "circulation/checkout.html",
        {"summary": summary, "alert": alert, "rows": state["rows"], "form": ItemScanForm()},
    )


@require_POST
@staff_required(Action.CIRCULATE)
def check_in_first(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Take over another patron's loan the desk confirmed: check the item in here (only if that
    loan is still the item's open loan), then lend it to this patron."""
    state = _checkout_state(request, patron_id)
    barcode = request.POST.get("barcode", "")
    loan_id = request.POST.get("loan", "")
    if not loan_id.isdigit():
        return HttpResponseBadRequest(_("Confirm which loan to take over."))
    try:
        result = services.check_in(
            barcode=barcode,
            library=request.working_library,
            staff=request.user,
            now=timezone.now(),
            expected_loan_id=int(loan_id),
        )
    except refusals.CheckinRefused as refused:
        row = {"barcode": barcode, "ok": False, "reason": refused.reason}
        row["messages"] = [str(refused.message)]
    else:
        row = _lend(request, patron_id, barcode)
        row["checked_in_first"] = True
        if result.fee is not None:
            row["fee"] = f"{result.fee.amount:.2f}"
    return _checkout_response(request, patron_id, state, row, _replaces(request))


@require_POST
@staff_required(Action.CIRCULATE)
def checkout_renew(request: HttpRequest, patron_id: int) -> HttpResponse:
    """The patron scanned an item they already have on loan: renew it instead."""
    state = _checkout_state(request, patron_id)
    loan_id = request.POST.get("loan", "")
    loan = (
        Loan.objects.open()
        .filter(pk=int(loan_id), patron_id=patron_id)
        .select_related("item__record")
        .first()
        if loan_id.isdigit()
        else None
    )
    if loan is None:
        return HttpResponseBadRequest(_("This patron has no such loan."))
    row: dict = {"barcode": loan.item.barcode}
    try:
        renewed = renewals.renew(
            loan=loan, library=request.working_library, staff=request.user, now=timezone.now()
        )
    except refusals.RenewalRefused as refused:
        messages = [str(r.message) for r in refused.refusals]
        row.update(ok=False, reason=refused.reason, messages=messages)
    else:
        row.update(
            ok=True,
            loan=renewed.pk,
            title=loan.item.record.title,
            due=timezone.localdate(renewed.due_at).isoformat(),
            renewed=True,
        )
    return _checkout_response(request, patron_id, state, row, _replaces(request))


@require_POST
@staff_required(Action.CIRCULATE)
def checkout_finish(request: HttpRequest, patron_id: int) -> HttpResponse:
    """End the checkout and show the receipt of the loans made."""
    state = _checkout_state(request, patron_id)
    loan_ids = [str(r["loan"]) for r in reversed(state["rows"]) if r.get("ok")]
    request.session.pop(CHECKOUT, None)
    url = reverse("circulation:receipt", args=[patron_id])
    return redirect(f"{url}?{urlencode({'loans': ','.join(loan_ids)})}")


@staff_required(Action.CIRCULATE)
def receipt(request: HttpRequest, patron_id: int) -> HttpResponse:
    """The printable checkout receipt: title, barcode and due date (no personnummer)."""
    ids = [int(x) for x in request.GET.get("loans", "").split(",") if x.isdigit()][:MAX_ROWS]
    patron, loans = desk_selectors.receipt(patron_id=patron_id, loan_ids=ids)
    if patron is None:
        raise Http404
    return render(
        request,
        "circulation/receipt.html",
        {"patron": patron, "loans": loans, "printed_at": timezone.now()},
    )


# --- Checkin -------------------------------------------------------------------------------


def _take_back(request: HttpRequest, barcode: str) -> dict:
    barcode = "".join(barcode.split())
    row: dict = {"barcode": barcode}
    try:
        result = services.check_in(
            barcode=barcode, library=request.working_library, staff=request.user, now=timezone.now()
        )
    except refusals.CheckinRefused as refused:
        row.update(ok=False, message=str(refused.message))
        return row
    transfer = result.extra.get("transfer")
    hold = result.extra.get("hold")
    row.update(
        ok=True,
        hold=hold.pk if hold is not None else None,
        title=result.item.record.title,
        action=result.action,
        message=str(result.message),
        destination=result.destination.name if result.destination else "",
        transfer=transfer.pk if transfer is not None else None,
        was_on_loan=result.was_on_loan,
        overdue=result.was_overdue,
        fee=f"{result.fee.amount:.2f}" if result.fee is not None else "",
    )
    return row


@staff_required(Action.CIRCULATE)
def checkin(request: HttpRequest) -> HttpResponse:
    """Check items in one after another; each row says what to do with the item."""
    state = request.session.get(CHECKIN) or {"rows": [], "next": 1}
    form = ItemScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row = _take_back(request, form.cleaned_data["barcode"])
        row["key"] = state["next"]
        state["next"] += 1
        state["rows"] = [row, *state["rows"]][:MAX_ROWS]
        request.session[CHECKIN] = state
        if request.htmx:
            return render(request, "circulation/checkin.html#row", {"row": row, "fresh": True})
        return redirect("circulation:checkin")
    if request.method == "POST" and request.htmx:
        return HttpResponse(status=204)  # an empty scan: nothing to do
    return render(
        request, "circulation/checkin.html", {"rows": state["rows"], "form": ItemScanForm()}
    )


@require_POST
@staff_required(Action.CIRCULATE)
def checkin_clear(request: HttpRequest) -> HttpResponse:
    """Start a fresh list of checked-in items."""
    request.session.pop(CHECKIN, None)
    return redirect("circulation:checkin")
