"""Demo holds: a few patrons wait for titles held elsewhere, so pick lists and transport have work.

Idempotent: does nothing when any hold exists. Call after the catalog and patron loaders.
"""

from __future__ import annotations

from django.utils import timezone


def create_demo_holds(*, stdout=None, count: int = 12) -> int:
    """Place up to ``count`` holds (pickup at the patron's home library) and run targeting."""
    from catalog.models import Item, Record
    from circulation.holds import services, targeting
    from circulation.holds.models import Hold
    from patrons.models import Patron

    if Hold.objects.exists():
        return 0
    now = timezone.now()
    patrons = list(
        Patron.objects.current()
        .filter(cards__status="active")
        .select_related("home_library")[:count]
    )
    placed = 0
    records = Record.objects.filter(
        items__status=Item.Status.AVAILABLE, items__item_type__not_for_loan=False
    ).distinct()[: count * 3]
    for patron, record in zip(patrons, records, strict=False):
        try:
            services.place_hold(
                patron=patron, record=record, pickup_library=patron.home_library, now=now
            )
        except services.HoldRefused:
            continue
        placed += 1
    targeting.run_targeting(now=now)
    if stdout is not None:
        stdout.write(f"holds: {placed} demo holds placed\n")
    return placed
