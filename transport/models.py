"""The transport network (links with a weekly timetable), transfers, crates, floating rules.

Locking convention (services.py): Transfer row, then Item row, then PackingList row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, ItemType
from libraries.models import Library

WEEKDAY_NAMES = [
    _("Mon"),
    _("Tue"),
    _("Wed"),
    _("Thu"),
    _("Fri"),
    _("Sat"),
    _("Sun"),
]


class TransportLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class TransportLink(models.Model):
    """One direction of a regular run between two libraries: which weekdays, when, how long."""

    class Kind(models.TextChoices):
        VAN = "van", _("Van")
        BOOKBUS = "bookbus", _("Book bus")

    from_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="links_out", verbose_name=_("from")
    )
    to_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="links_in", verbose_name=_("to")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VAN)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("weekdays"),
        help_text=_("0 = Monday … 6 = Sunday"),
    )
    departure_time = models.TimeField(_("departs at"))
    duration = models.DurationField(_("travel time"))
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = TransportLinkQuerySet.as_manager()

    class Meta:
        ordering = ["from_library__code", "to_library__code", "departure_time"]
        verbose_name = _("transport link")
        verbose_name_plural = _("transport links")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_library=F("to_library")), name="link_between_two_libraries"
            ),
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)), name="link_duration_positive"
            ),
            models.UniqueConstraint(
                fields=["from_library", "to_library", "departure_time"],
                name="one_link_per_departure_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_library.code}→{self.to_library.code} {self.departure_time:%H:%M}"

    @property
    def weekday_names(self) -> str:
        return ", ".join(str(WEEKDAY_NAMES[d]) for d in sorted(self.weekdays))


class Transfer(models.Model):
    """An item on its way from one library to another, hop by hop along a planned route."""

    class Reason(models.TextChoices):
        RETURN_HOME = "return_home", _("Return home")
        HOLD_PICKUP = "hold_pickup", _("Hold pickup")
        MANUAL = "manual", _("Manual move")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for departure")
        PACKED = "packed", _("Packed in a crate")
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED_AT_HUB = "received_at_hub", _("Received at a hub")
        ARRIVED = "arrived", _("Arrived")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.WAITING, State.PACKED, State.IN_TRANSIT, State.RECEIVED_AT_HUB)

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="transfers")
    from_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from")
    )
    to_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.WAITING
    )
    # [{"link": id, "from": "KHM", "to": "STO", "departs": iso, "arrives": iso}, ...]
    route = models.JSONField(_("planned route"), default=list, blank=True)
    current_hop = models.PositiveSmallIntegerField(_("current hop"), default=0)
    expected_arrival = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    planned_at = models.DateTimeField(_("planned"), null=True, blank=True)
    route_problem = models.CharField(_("routing problem"), max_length=300, blank=True)
    missing_since = models.DateTimeField(_("missing in transport since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(fields=["state", "id"], name="transfer_state_idx"),
            models.Index(fields=["to_library", "state"], name="transfer_to_state_idx"),
            models.Index(fields=["from_library", "state"], name="transfer_from_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state__in=["waiting", "packed", "in_transit", "received_at_hub"]),
                name="one_open_transfer_per_item",
            ),
            models.CheckConstraint(
                condition=~Q(from_library=F("to_library")), name="transfer_goes_somewhere"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.from_library_id}→{self.to_library_id} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def hop(self) -> dict | None:
        """The hop the item is on, or waits for; None when there is no route."""
        if self.current_hop < len(self.route):
            return self.route[self.current_hop]
        return None

    @property
    def remaining_stops(self) -> list[str]:
        """Library codes still ahead, in order (the destination last)."""
        return [hop["to"] for hop in self.route[self.current_hop :]]


class TransferEvent(models.Model):
    """One recorded change of a transfer: what, when, where, by whom."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("state"), max_length=20, choices=Transfer.State.choices)
    at = models.DateTimeField(_("time"))
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("library")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("transfer event")
        verbose_name_plural = _("transfer events")

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.state} {self.at:%Y-%m-%d %H:%M}"


class PackingList(models.Model):
    """The crate for one departure of one link (link + date)."""

    link = models.ForeignKey(TransportLink, on_delete=models.PROTECT, related_name="packing_lists")
    departure_date = models.DateField(_("departure date"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["departure_date", "link__departure_time"]
        verbose_name = _("packing list")
        verbose_name_plural = _("packing lists")
        constraints = [
            models.UniqueConstraint(
                fields=["link", "departure_date"], name="one_packing_list_per_departure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.departure_date}"

    @property
    def departs_at(self) -> datetime:
        tz = ZoneInfo(self.link.from_library.timezone)
        return datetime.combine(self.departure_date, self.link.departure_time, tzinfo=tz)


class PackingListEntry(models.Model):
    """A transfer's hop packed into a crate."""

    packing_list = models.ForeignKey(PackingList, on_delete=models.CASCADE, related_name="entries")
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="entries")
    hop_index = models.PositiveSmallIntegerField()
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "hop_index"], name="one_crate_per_transfer_hop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.packing_list_id}:{self.transfer_id}#{self.hop_index}"


class FloatingRule(models.Model):
    """Items of this type (or of every type) returned at this library stay there."""

    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, related_name="floating_rules", verbose_name=_("library")
    )
    item_type = models.ForeignKey(
        ItemType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("item type"),
        help_text=_("Empty: every item type floats."),
    )

    class Meta:
        verbose_name = _("floating rule")
        verbose_name_plural = _("floating rules")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "item_type"], name="one_floating_rule_per_type"
            ),
            models.UniqueConstraint(
                fields=["library"],
                condition=Q(item_type__isnull=True),
                name="one_floating_all_rule_per_library",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library.code} {self.item_type or '*'}"
