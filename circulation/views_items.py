"""The desk's item lookup, under /staff/circulation/items/: any desk staff member finds a copy by
barcode or title and sees its status, place, due date and transfer history (issue 14). Who has
it on loan is one more, deliberate step ("Open the loan"), written to the patron access log."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from circulation import item_selectors
from circulation.models import Loan
from libraries.access import staff_required
from libraries.policy import Action


@staff_required(Action.CIRCULATE)
def items(request: HttpRequest) -> HttpResponse:
    """Find copies by barcode (straight to the copy) or by title, author, call number."""
    text = request.GET.get("q", "").strip()[:200]
    if text:
        exact = item_selectors.item_by_barcode(text)
        if exact is not None:
            return redirect("circulation:item", item_id=exact.pk)
    rows = item_selectors.find_items(text) if text else []
    return render(request, "circulation/items.html", {"q": text, "rows": rows})


@staff_required(Action.CIRCULATE)
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One copy: status, where it is, the loan's due date, its transfers."""
    detail = item_selectors.item_detail(item_id)
    if detail is None:
        raise Http404
    return render(request, "circulation/item.html", {"detail": detail})


@staff_required(Action.PATRON_READ)
def open_loan(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Open the loan: go to the borrower's page (which logs that staff looked)."""
    loan = get_object_or_404(Loan.objects.open().only("id", "patron_id"), pk=loan_id)
    if loan.patron_id is None:
        raise Http404
    return redirect(f"{reverse('patrons:detail', args=[loan.patron_id])}#loans")
