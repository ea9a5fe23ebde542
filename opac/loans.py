"""The patron's loans and fees in the OPAC: "My loans" (renew one or all) and "My fees".

No URL names a patron: a loan id in a URL is looked up among the logged-in patron's own open
loans only, so patron A can never see or renew patron B's loans (404).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circulation import desk_selectors, refusals, renewals
from circulation.models import Loan
from patrons.opac_auth import patron_required


def _reasons(refused: refusals.CirculationRefused) -> str:
    return " ".join(str(r.message) for r in refused.refusals)


@patron_required
def my_loans(request: HttpRequest) -> HttpResponse:
    """My loans with due dates, overdue marked, and my loan history if I keep one."""
    account = desk_selectors.patron_account(request.patron, now=timezone.now())
    return render(request, "opac/loans.html", {"account": account, "patron": request.patron})


@require_POST
@patron_required
def renew(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Renew one of my loans; say why when it is refused."""
    loan = (
        Loan.objects.open()
        .select_related("item__record")
        .filter(pk=loan_id, patron=request.patron)
        .first()
    )
    if loan is None:
        raise Http404
    title = loan.item.record.title
    try:
        renewed = renewals.renew(
            loan=loan, library=request.patron.home_library, staff=None, now=timezone.now()
        )
    except refusals.RenewalRefused as refused:
        messages.error(
            request,
            _("%(title)s could not be renewed: %(reasons)s")
            % {"title": title, "reasons": _reasons(refused)},
        )
    else:
        messages.success(
            request,
            _("%(title)s is renewed and now due %(date)s.")
            % {
                "title": title,
                "date": date_format(timezone.localdate(renewed.due_at), "SHORT_DATE_FORMAT"),
            },
        )
    return redirect("opac:loans")


@require_POST
@patron_required
def renew_all(request: HttpRequest) -> HttpResponse:
    """Renew all my loans; each is renewed or refused on its own."""
    outcomes = renewals.renew_all(
        patron=request.patron, library=request.patron.home_library, staff=None, now=timezone.now()
    )
    renewed = sum(1 for o in outcomes if o.renewed)
    messages.success(request, _("%(count)d of your loans were renewed.") % {"count": renewed})
    for outcome in outcomes:
        if not outcome.renewed:
            messages.error(
                request,
                _("%(title)s could not be renewed: %(reasons)s")
                % {"title": outcome.loan.item.record.title, "reasons": _reasons(outcome.refusal)},
            )
    return redirect("opac:loans")


@patron_required
def my_fees(request: HttpRequest) -> HttpResponse:
    """My fees: what I owe and what I have paid or had waived."""
    fees, debt = desk_selectors.patron_fees(request.patron)
    return render(request, "opac/fees.html", {"fees": fees, "debt": debt})
