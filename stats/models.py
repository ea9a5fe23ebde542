"""Statistics: population per library and year, and daily rollups of the circulation events."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libraries.models import Library


class Population(models.Model):
    """Inhabitants of a library's municipality in a year (SCB's figure; admins edit it)."""

    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, related_name="+", verbose_name=_("library")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    inhabitants = models.PositiveIntegerField(_("inhabitants"))

    class Meta:
        ordering = ["library__name", "-year"]
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        constraints = [
            models.UniqueConstraint(fields=["library", "year"], name="one_population_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="population_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.year}: {self.inhabitants}"


class DailyRollup(models.Model):
    """The circulation events of one day counted per event kind and the attributes of one
    ``grain`` (``stats.rollups.GRAINS``); the attributes outside the grain are empty.

    Rebuilt from ``events.CirculationEvent`` by ``stats.rollups`` (Celery beat, the backfill);
    the reports add these up instead of counting millions of events. One grain per kind of
    report keeps a year of a grain at a few thousand rows (all attributes at once would be
    almost as many rows as events).
    """

    id = models.BigAutoField(primary_key=True)
    grain = models.CharField(max_length=10)
    day = models.DateField()
    kind = models.CharField(max_length=20)
    library_id = models.IntegerField(null=True)
    owning_library_id = models.IntegerField(null=True)
    other_library_id = models.IntegerField(null=True)
    item_type_id = models.IntegerField(null=True)
    media_type = models.CharField(max_length=20, blank=True, db_default="")
    audience = models.CharField(max_length=10, blank=True, db_default="")
    patron_category_id = models.IntegerField(null=True)
    age_band = models.CharField(max_length=5, blank=True, db_default="")
    patron_municipality = models.CharField(max_length=60, blank=True, db_default="")
    events = models.PositiveIntegerField()
    duration_sum = models.BigIntegerField(null=True)
    duration_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["grain", "day"], name="rollup_grain_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.events}"


class RollupState(models.Model):
    """Up to which day the rollups are complete (exactly one row, id=1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    complete_through = models.DateField(default=date(1999, 12, 31))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="rollup_state_single")]

    def __str__(self) -> str:
        return str(self.complete_through)
