"""Reads for the staff pages of collection work."""

from __future__ import annotations

from datetime import date, timedelta

from collection.models import WeedingRound


def due_rounds(library_id: int | None, *, today: date, days: int = 7):
    """The library's unfinished weeding rounds due within ``days`` (overdue ones too)."""
    if library_id is None:
        return WeedingRound.objects.none()
    return (
        WeedingRound.objects.filter(
            library_id=library_id,
            finished_at__isnull=True,
            planned_on__lte=today + timedelta(days=days),
        )
        .select_related("responsible")
        .order_by("planned_on")[:10]
    )
