"""The anonymous log of circulation events, the raw material of the statistics.

One row per checkout, renewal, return, hold placed, hold ready on the shelf, transfer sent and
transfer arrived. No patron and no item identifier: only what the statistics group by (where,
whose, what kind, which category, age band and home municipality of the borrower), so the
rows survive the privacy unlinking of loans and the anonymization of patrons.

The table only grows (≈ 1.5 M rows a year for the five libraries). Rows arrive in time order,
so a BRIN index on the day answers "one day" / "one year" scans at a few kB of index; the
report pages read the daily rollups (``stats``), not this table. The foreign keys carry no
database constraint and no index of their own: an INSERT stays one cheap statement, and a
library or item type is never deleted anyway (PROTECT elsewhere).
"""

from __future__ import annotations

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import ItemType
from libraries.models import Library
from patrons.models import PatronCategory


class Kind(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    RENEWAL = "renewal", _("Renewal")
    RETURN = "return", _("Return")
    HOLD_PLACED = "hold_placed", _("Hold placed")
    HOLD_READY = "hold_ready", _("Hold ready for pickup")
    TRANSFER_SENT = "transfer_sent", _("Transfer sent")
    TRANSFER_ARRIVED = "transfer_arrived", _("Transfer arrived")


# The age bands of a borrower in the year of the event; children are the first three (KB).
AGE_BANDS = ("0-5", "6-12", "13-17", "18-64", "65+")
CHILD_BANDS = ("0-5", "6-12", "13-17")


def _loose_fk(model, *, related_name: str = "+", **kwargs) -> models.ForeignKey:
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name=related_name,
        **kwargs,
    )


class CirculationEvent(models.Model):
    """One circulation event, anonymous. Written by ``events.services.record`` only."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"))
    # The local (Europe/Stockholm) date of ``occurred_at``: what reports and rollups group by.
    day = models.DateField(_("date"))
    library = _loose_fk(Library, verbose_name=_("where it happened"))
    owning_library = _loose_fk(Library, null=True, verbose_name=_("owning library"))
    # Returns: where the loan was made. Transfer sent (a crate leaves): the crate's next stop;
    # transfer arrived (at its destination): where the transfer started.
    other_library = _loose_fk(Library, null=True, verbose_name=_("other library"))
    item_type = _loose_fk(ItemType, null=True, verbose_name=_("item type"))
    media_type = models.CharField(_("media type"), max_length=20, blank=True)
    audience = models.CharField(_("audience"), max_length=10, blank=True)
    patron_category = _loose_fk(PatronCategory, null=True, verbose_name=_("patron category"))
    age_band = models.CharField(_("age band"), max_length=5, blank=True)
    patron_municipality = models.CharField(_("borrower's municipality"), max_length=60, blank=True)
    # Hold ready: seconds since it was placed. Transfer arrived: seconds since it started.
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True)

    class Meta:
        verbose_name = _("circulation event")
        verbose_name_plural = _("circulation events")
        indexes = [BrinIndex(fields=["day"], name="event_day_brin")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.library_id}"
