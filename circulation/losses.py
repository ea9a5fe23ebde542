"""Lost items and "claims returned": a loan ends without the item coming back.

Locks the item, then its open loan (the check-in lock order).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import Item
from circulation.models import Fee, Loan
from circulation.refusals import NOT_ON_LOAN, CheckinRefused, refuse
from libraries.models import Library


def _lock_open_loan(loan: Loan) -> tuple[Item, Loan]:
    item = Item.objects.select_for_update().get(pk=loan.item_id)
    locked = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("patron", "item__record")
        .filter(pk=loan.pk, returned_at__isnull=True)
        .first()
    )
    if locked is None:
        raise refuse(CheckinRefused, NOT_ON_LOAN, _("The item is not on loan any more."))
    return item, locked


@transaction.atomic
def mark_lost(*, loan: Loan, library: Library, staff, now: datetime) -> Fee | None:
    """The patron lost the item: end the loan, mark the item lost, bill its price.

    Returns the bill (none when the item has no price).
    """
    item, locked = _lock_open_loan(loan)
    locked.returned_at, locked.end_reason = now, Loan.EndReason.LOST
    locked.save(update_fields=["returned_at", "end_reason"])
    Item.objects.filter(pk=item.pk).update(status=Item.Status.LOST, updated_at=now)
    if not item.price or locked.patron is None:
        return None
    return Fee.objects.create(
        patron=locked.patron,
        loan=locked,
        library=library,
        kind=Fee.Kind.LOST,
        amount=item.price,
        description=str(_("Lost item: %(title)s") % {"title": locked.item.record.title[:150]}),
        created_at=now,
        created_by=staff,
    )


@transaction.atomic
def mark_claims_returned(*, loan: Loan, library: Library, staff, now: datetime) -> Loan:
    """The patron says the item was returned: end the loan without a fine; the item is missing
    until it turns up (checking it in makes it available again)."""
    item, locked = _lock_open_loan(loan)
    locked.returned_at, locked.end_reason = now, Loan.EndReason.CLAIMS_RETURNED
    locked.returned_library = library
    locked.save(update_fields=["returned_at", "end_reason", "returned_library"])
    Item.objects.filter(pk=item.pk).update(status=Item.Status.MISSING, updated_at=now)
    return locked
