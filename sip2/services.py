"""Terminal accounts: create one (a staff user with the desk role at its library + its
SIP2 settings). Admins edit them later in the admin (SIP2 terminals). The writes of messages
19 (item properties) and 25 (lift the blocks terminals set)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Item
from libraries import policy
from libraries.models import Library, StaffRole
from patrons import services as patron_services
from patrons.models import Patron, PatronBlock
from sip2.models import ItemProperties, Terminal


@transaction.atomic
def create_terminal(*, username: str, password: str, library: Library, **settings) -> Terminal:
    """A login account for a machine, with the role its messages need at ``library``."""
    user = get_user_model().objects.create_user(username=username, password=password)
    role = policy.LEAST_ROLE[policy.SIP2_LOGIN]  # the least role the permission table needs
    StaffRole.objects.create(user=user, library=library, role=role)
    return Terminal.objects.create(user=user, library=library, **settings)


@transaction.atomic
def set_terminal_password(*, terminal: Terminal, password: str) -> None:
    user = terminal.user
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def set_item_properties(
    *, item: Item, properties: str, terminal: Terminal, now: datetime
) -> ItemProperties:
    """19: keep what the terminal says about ``item`` (replaces what was kept)."""
    kept, _created = ItemProperties.objects.update_or_create(
        item=item,
        defaults={"properties": properties[:255], "terminal": terminal, "updated_at": now},
    )
    return kept


@transaction.atomic
def lift_terminal_blocks(*, patron: Patron, terminal: Terminal, now: datetime) -> int:
    """25: remove the patron's open blocks that a terminal set (01, "block patron"), in the
    terminal's name. Blocks set by staff stay: only staff lift those. Returns how many."""
    blocks = list(
        PatronBlock.objects.open()
        .select_for_update(of=("self",))
        .filter(patron=patron, created_by__sip2_terminal__isnull=False)
    )
    for block in blocks:
        patron_services.remove_block(block=block, staff=terminal.user, now=now)
    return len(blocks)
