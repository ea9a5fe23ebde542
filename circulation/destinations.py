"""Where an item goes after check-in (or after leaving the hold shelf): the check-in actions.

Used by check-in (``circulation.services``) and by holds (``circulation.holds.services``) when a
copy leaves the hold shelf without a loan; it imports neither, so both can import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from catalog.models import Item
from libraries.models import Library
from transport import selectors as transport_selectors


class Action:
    RESHELVE = "reshelve"
    SEND_HOME = "send_home"
    HOLD_SHELF = "hold_shelf"  # caught for a hold: on the hold shelf here
    HOLD_TRANSIT = "hold_transit"  # caught for a hold: to the pickup library


@dataclass(frozen=True)
class Destination:
    action: str
    library: Library | None
    message: str


def destination_after_checkin(*, item: Item, library: Library, now: datetime) -> Destination:
    """Where an item goes after check-in: back on the shelf here, or home to its library.

    The single place the transport issue hooks in (to create a routed transfer); holds add
    "put on the hold shelf" / "send to the pickup library" here too.
    """
    if item.home_library_id == library.pk:
        return Destination(Action.RESHELVE, None, str(_("Put the item back on the shelf.")))
    if transport_selectors.floats_at(item=item, library=library, now=now):
        # A floating collection: the item stays here (its home library does not change).
        return Destination(Action.RESHELVE, None, str(_("Put the item back on the shelf.")))
    return Destination(
        Action.SEND_HOME,
        item.home_library,
        str(_("Send the item to its home library, %(library)s.") % {"library": item.home_library}),
    )
