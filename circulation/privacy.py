"""Privacy jobs (library secrecy): forget who borrowed what, and anonymize inactive patrons.

Both are idempotent: running them twice does nothing the second time. They report counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from circulation.models import Fee, Loan
from patrons.selectors import inactive_patrons
from patrons.services import anonymize_patron


def returned_link_days() -> int:
    """Days a returned loan stays linked to a patron who keeps no history (0: cut at return)."""
    return int(settings.GRANSLOS.get("RETURNED_LOAN_LINK_DAYS", 0))


def inactive_days() -> int:
    """Days without activity after which a patron with no loans and no debt is anonymized."""
    return int(settings.GRANSLOS.get("ANONYMIZE_INACTIVE_DAYS", 3 * 365))


def unlink_returned_loans(*, now: datetime, delay_days: int | None = None) -> int:
    """Cut the link between returned loans and patrons who keep no loan history. One UPDATE.

    Returns how many loans were unlinked. Fees keep their own link to the patron.
    """
    delay = returned_link_days() if delay_days is None else delay_days
    return (
        Loan.objects.filter(
            returned_at__isnull=False,
            returned_at__lte=now - timedelta(days=delay),
            patron__isnull=False,
            patron__keeps_loan_history=False,
        )
        .order_by()
        .update(patron=None)
    )


@dataclass(frozen=True)
class AnonymizeReport:
    anonymized: int
    kept_for_open_business: int


def anonymize_inactive(*, now: datetime, days: int | None = None) -> AnonymizeReport:
    """Anonymize patrons inactive for ``days`` who have no open loans and no unpaid fees."""
    days = inactive_days() if days is None else days
    candidates = inactive_patrons(before=now - timedelta(days=days)).annotate(
        has_loans=Exists(Loan.objects.open().filter(patron=OuterRef("pk"))),
        has_debt=Exists(Fee.objects.unpaid().filter(patron=OuterRef("pk"))),
    )
    done = kept = 0
    for patron in candidates.only("id", "anonymized_at").iterator():
        if patron.has_loans or patron.has_debt:
            kept += 1
            continue
        anonymize_patron(patron=patron, now=now, open_loans=0, debt=0)
        # A forgotten patron keeps no loan history either.
        Loan.objects.filter(patron_id=patron.pk).update(patron=None)
        done += 1
    return AnonymizeReport(anonymized=done, kept_for_open_business=kept)
