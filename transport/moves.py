"""Manual moves: desk staff send an item from their library to another ("Skicka till …"), a
transfer with reason "manual move". Only a copy on the shelf here can be sent: not one on loan,
already on its way, kept on the hold shelf, withdrawn, lost or missing.

Locking: the Item row first (FOR UPDATE), then ``transport.services.start_transfer`` inserts the
transfer in the same transaction (the open-transfer constraint is its last line of defence).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Item
from libraries.models import Library
from transport import services
from transport.models import Transfer


class MoveRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _refusal(item: Item, from_library: Library, to_library: Library) -> MoveRefused | None:
    Status = Item.Status
    if item.status == Status.ON_LOAN:
        return MoveRefused("on_loan", _("The item is on loan: check it in first."))
    if item.status == Status.IN_TRANSIT:
        return MoveRefused("already_in_transfer", _("The item is already being sent somewhere."))
    if item.status == Status.ON_HOLD_SHELF:
        return MoveRefused("on_hold_shelf", _("The item is kept on the hold shelf for a patron."))
    if item.status in (Status.WITHDRAWN, Status.LOST, Status.MISSING):
        return MoveRefused(
            "not_on_shelf",
            _("The item has the status %(status)s and cannot be sent.")
            % {"status": item.get_status_display().lower()},
        )
    if item.current_library_id != from_library.id:
        return MoveRefused(
            "not_here",
            _("The item is at %(library)s, not at your library.")
            % {"library": item.current_library.name},
        )
    if to_library.id == from_library.id:
        return MoveRefused("same_library", _("The item is already at that library."))
    return None


@transaction.atomic
def send_item(
    *,
    barcode: str,
    from_library: Library,
    to_library: Library,
    staff: AbstractBaseUser | None,
    now: datetime,
) -> Transfer:
    """Send the copy with ``barcode`` from ``from_library`` (where it is) to ``to_library``."""
    barcode = "".join((barcode or "").split())
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("current_library", "record")
        .filter(barcode=barcode)
        .first()
    )
    if item is None:
        raise MoveRefused(
            "no_such_item", _("No item has the barcode %(barcode)s.") % {"barcode": barcode or "-"}
        )
    refused = _refusal(item, from_library, to_library)
    if refused is not None:
        raise refused
    try:
        return services.start_transfer(
            item=item,
            from_library=from_library,
            to_library=to_library,
            reason=Transfer.Reason.MANUAL,
            staff=staff,
            now=now,
        )
    except services.TransferRefused as refusal:
        raise MoveRefused(refusal.reason, refusal.message) from None
