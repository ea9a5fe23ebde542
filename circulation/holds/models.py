"""Holds (reservationer): a patron waits for a title or one copy, to be picked up at a library.

A hold is *waiting* until a copy is caught for it (at check-in, or found from a pick list); then
the copy is *in transit* to the pickup library or straight *on the hold shelf* with a pickup
deadline; the holder's checkout *fulfils* it. Patrons and staff may *cancel* it; a hold not
picked up in time *expires*. See docs/hold-targeting.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from libraries.models import Library
from patrons.models import Patron


class HoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=Hold.ACTIVE_STATES)

    def waiting(self):
        return self.filter(state=Hold.State.WAITING)

    def not_suspended(self, *, today):
        return self.filter(Q(suspended_until__isnull=True) | Q(suspended_until__lt=today))

    def in_queue_order(self):
        return self.order_by("queue_key", "id")


class Hold(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        IN_TRANSIT = "in_transit", _("On its way")
        ON_HOLD_SHELF = "on_hold_shelf", _("Ready for pickup")
        FULFILLED = "fulfilled", _("Picked up")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Not picked up")

    ACTIVE_STATES = (State.WAITING, State.IN_TRANSIT, State.ON_HOLD_SHELF)
    HAS_ITEM_STATES = (State.IN_TRANSIT, State.ON_HOLD_SHELF)

    patron = models.ForeignKey(
        Patron, on_delete=models.CASCADE, related_name="holds", verbose_name=_("patron")
    )
    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="holds", verbose_name=_("title")
    )
    # An item-level hold asks for this copy only (a volume, a particular edition).
    requested_item = models.ForeignKey(
        Item,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="item_level_holds",
        verbose_name=_("requested copy"),
    )
    pickup_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("pickup library")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.WAITING
    )
    placed_at = models.DateTimeField(_("placed"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The queue: lowest first. Starts as the placement time in microseconds; staff may reorder.
    queue_key = models.BigIntegerField(_("queue order"))
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    # The copy caught for this hold (in transit or on the hold shelf; kept when closed).
    item = models.ForeignKey(
        Item,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filling_holds",
        verbose_name=_("copy"),
    )
    # The pick list: the copy a library was asked to take from its shelf for this hold.
    target_item = models.ForeignKey(
        Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="targeting_holds"
    )
    target_library = models.ForeignKey(
        Library, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    targeted_at = models.DateTimeField(null=True, blank=True)
    shelved_at = models.DateTimeField(_("on the hold shelf since"), null=True, blank=True)
    pickup_deadline = models.DateTimeField(_("pick up by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    loan = models.ForeignKey(
        "circulation.Loan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "Your hold is ready": queued once (same transaction as the shelving), sent once.
    notice_queued_at = models.DateTimeField(null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [
            models.Index(
                fields=["record", "queue_key", "id"],
                condition=Q(state="waiting"),
                name="hold_queue_idx",
            ),
            models.Index(fields=["patron", "state"], name="hold_patron_idx"),
            models.Index(fields=["pickup_library", "state"], name="hold_pickup_idx"),
            models.Index(
                fields=["target_library"],
                condition=Q(state="waiting", target_item__isnull=False),
                name="hold_picklist_idx",
            ),
            models.Index(
                fields=["pickup_deadline"],
                condition=Q(state="on_hold_shelf"),
                name="hold_deadline_idx",
            ),
        ]
        constraints = [
            # An item fills at most one active hold.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state__in=["in_transit", "on_hold_shelf"]),
                name="item_fills_one_active_hold",
            ),
            # One pick-list line per copy.
            models.UniqueConstraint(
                fields=["target_item"],
                condition=Q(state="waiting"),
                name="item_targeted_for_one_hold",
            ),
            models.UniqueConstraint(
                fields=["patron", "record"],
                condition=Q(state__in=["waiting", "in_transit", "on_hold_shelf"]),
                name="one_active_hold_per_patron_title",
            ),
            # A waiting hold has no copy yet; one in transit or on the shelf has exactly one.
            models.CheckConstraint(
                condition=Q(state="waiting", item__isnull=True)
                | Q(state__in=["in_transit", "on_hold_shelf"], item__isnull=False)
                | Q(state__in=["fulfilled", "cancelled", "expired"]),
                name="hold_item_matches_state",
            ),
            models.CheckConstraint(
                condition=~Q(state="on_hold_shelf") | Q(pickup_deadline__isnull=False),
                name="hold_shelf_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(target_item__isnull=True) | Q(state="waiting"),
                name="hold_target_only_while_waiting",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "in_transit", "on_hold_shelf"])
                | Q(closed_at__isnull=False),
                name="hold_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.patron_id} @ {self.pickup_library_id}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def is_suspended(self, *, today) -> bool:
        return self.suspended_until is not None and self.suspended_until >= today
