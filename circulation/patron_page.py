"""What circulation shows on the patrons app's patron page (registered in CirculationConfig.ready
with ``patrons.selectors.register_circulation_provider``; patrons does not import circulation)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from circulation.desk_selectors import patron_account
from circulation.selectors import patron_facts
from patrons.models import Patron


def account(patron: Patron, now: datetime):
    """Loans, holds and fees for patrons/_circulation.html (one selector call)."""
    return patron_account(patron, now=now, with_holds=True)


def open_business(patron: Patron, now: datetime) -> tuple[int, Decimal]:
    facts = patron_facts(patron, now=now)
    return facts.open_loans, facts.debt
