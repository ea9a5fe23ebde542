"""Writes of the statistics app: the population figures admins edit."""

from __future__ import annotations

from django.db import transaction

from libraries.models import Library
from stats.models import Population


@transaction.atomic
def set_population(*, library: Library, year: int, inhabitants: int) -> Population:
    """Set the inhabitants of ``library``'s municipality in ``year`` (one row per year)."""
    population, _created = Population.objects.update_or_create(
        library=library, year=year, defaults={"inhabitants": inhabitants}
    )
    return population
