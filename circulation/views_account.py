"""Actions on a patron's account at the desk (shown on the patron's page): renew one or all
loans, mark a loan lost or claimed returned, take a payment, waive a fee. Each posts, calls one
service and goes back to the patron's page with what happened."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circulation import fees, losses, refusals, renewals
from circulation.models import Fee, Loan
from libraries.access import staff_required
from libraries.formats import format_money
from libraries.policy import Action
from patrons.models import Patron


def _back(patron_id: int | None, anchor: str = "loans") -> HttpResponse:
    if patron_id is None:
        return redirect("circulation:checkin")
    return redirect(f"{reverse('patrons:detail', args=[patron_id])}#{anchor}")


def _open_loan(loan_id: int) -> Loan:
    return get_object_or_404(
        Loan.objects.select_related("item__record"), pk=loan_id, returned_at__isnull=True
    )


def _refusal_text(refused: refusals.CirculationRefused) -> str:
    return " ".join(str(r.message) for r in refused.refusals)


@require_POST
@staff_required(Action.CIRCULATE)
def renew(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Renew one loan (a library admin may override a refusal, giving a reason)."""
    loan = _open_loan(loan_id)
    title = loan.item.record.title
    try:
        renewed = renewals.renew(
            loan=loan,
            library=request.working_library,
            staff=request.user,
            now=timezone.now(),
            override_reason=request.POST.get("override_reason", "").strip() or None,
        )
    except refusals.RenewalRefused as refused:
        messages.error(
            request,
            _("Not renewed: %(title)s. %(reasons)s")
            % {"title": title, "reasons": _refusal_text(refused)},
        )
    else:
        messages.success(
            request,
            _("Renewed: %(title)s, now due %(date)s.")
            % {
                "title": title,
                "date": date_format(timezone.localdate(renewed.due_at), "SHORT_DATE_FORMAT"),
            },
        )
    return _back(loan.patron_id)


@require_POST
@staff_required(Action.CIRCULATE)
def renew_all(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Renew every open loan of the patron; each succeeds or is refused on its own."""
    patron = get_object_or_404(Patron.objects.current(), pk=patron_id)
    outcomes = renewals.renew_all(
        patron=patron, library=request.working_library, staff=request.user, now=timezone.now()
    )
    renewed = [o for o in outcomes if o.renewed]
    if renewed or not outcomes:
        messages.success(request, _("Renewed %(count)d loans.") % {"count": len(renewed)})
    for outcome in outcomes:
        if not outcome.renewed:
            messages.error(
                request,
                _("Not renewed: %(title)s. %(reasons)s")
                % {
                    "title": outcome.loan.item.record.title,
                    "reasons": _refusal_text(outcome.refusal),
                },
            )
    return _back(patron_id)


@require_POST
@staff_required(Action.CIRCULATE)
def mark_lost(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The patron lost the item: end the loan and bill the item's price."""
    loan = _open_loan(loan_id)
    try:
        bill = losses.mark_lost(
            loan=loan, library=request.working_library, staff=request.user, now=timezone.now()
        )
    except refusals.CirculationRefused as refused:
        messages.error(request, str(refused.message))
    else:
        if bill is not None:
            messages.success(
                request,
                _("Marked lost; the patron is billed %(amount)s.")
                % {"amount": format_money(bill.amount)},
            )
        else:
            messages.success(request, _("Marked lost. The item has no price, so no bill."))
    return _back(loan.patron_id)


@require_POST
@staff_required(Action.CIRCULATE)
def claims_returned(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The patron says it was returned: end the loan without a fine; the item is missing."""
    loan = _open_loan(loan_id)
    try:
        losses.mark_claims_returned(
            loan=loan, library=request.working_library, staff=request.user, now=timezone.now()
        )
    except refusals.CirculationRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("Marked as claimed returned; the item is missing for now."))
    return _back(loan.patron_id)


@require_POST
@staff_required(Action.FEES)
def pay_fee(request: HttpRequest, fee_id: int) -> HttpResponse:
    """The patron paid the whole fee."""
    fee = get_object_or_404(Fee, pk=fee_id)
    try:
        fees.pay_fee(
            fee=fee, library=request.working_library, staff=request.user, now=timezone.now()
        )
    except refusals.FeeRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request, _("Payment of %(amount)s taken.") % {"amount": format_money(fee.amount)}
        )
    return _back(fee.patron_id, "fees")


@require_POST
@staff_required(Action.FEES)
def waive_fee(request: HttpRequest, fee_id: int) -> HttpResponse:
    """Forgive the fee; a reason is required."""
    fee = get_object_or_404(Fee, pk=fee_id)
    try:
        fees.waive_fee(
            fee=fee,
            reason=request.POST.get("reason", ""),
            library=request.working_library,
            staff=request.user,
            now=timezone.now(),
        )
    except refusals.FeeRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request, _("Fee of %(amount)s waived.") % {"amount": format_money(fee.amount)}
        )
    return _back(fee.patron_id, "fees")
