"""Fees: pay, waive (with a reason) and add. Each locks its fee row only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from circulation.models import Fee
from circulation.refusals import FEE_SETTLED, REASON_REQUIRED, FeeRefused, refuse
from libraries.models import Library
from patrons.models import Patron


def _lock_open_fee(fee: Fee) -> Fee:
    locked = Fee.objects.select_for_update().filter(pk=fee.pk).first()
    if locked is None or locked.state != Fee.State.OPEN:
        raise refuse(FeeRefused, FEE_SETTLED, _("The fee has already been paid or waived."))
    return locked


@transaction.atomic
def pay_fee(*, fee: Fee, library: Library, staff, now: datetime) -> Fee:
    """The patron paid the whole fee at the desk."""
    locked = _lock_open_fee(fee)
    locked.state = Fee.State.PAID
    locked.settled_at, locked.settled_by, locked.settled_library = now, staff, library
    locked.save(update_fields=["state", "settled_at", "settled_by", "settled_library"])
    return locked


@transaction.atomic
def waive_fee(*, fee: Fee, reason: str, library: Library, staff, now: datetime) -> Fee:
    """Staff forgive the fee, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise refuse(FeeRefused, REASON_REQUIRED, _("Give a reason for waiving the fee."))
    locked = _lock_open_fee(fee)
    locked.state = Fee.State.WAIVED
    locked.waive_reason = reason[:200]
    locked.settled_at, locked.settled_by, locked.settled_library = now, staff, library
    locked.save(
        update_fields=["state", "waive_reason", "settled_at", "settled_by", "settled_library"]
    )
    return locked


@transaction.atomic
def add_fee(
    *, patron: Patron, amount: Decimal, description: str, library: Library, staff, now: datetime
) -> Fee:
    """Bill another charge (a replaced card, a damaged item)."""
    if amount <= 0:
        raise refuse(FeeRefused, "amount", _("The amount must be more than zero."))
    return Fee.objects.create(
        patron=patron,
        library=library,
        kind=Fee.Kind.OTHER,
        amount=amount,
        description=description[:200],
        created_at=now,
        created_by=staff,
    )
