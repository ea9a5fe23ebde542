"""The shared weeding and storage plan, and lists for marketing (docs/collection.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, MediaType, Record
from libraries.models import Library


class WeedingCriteria(models.Model):
    """Weeding thresholds: the consortium's common defaults (library empty) or a library's own
    values (empty fields inherit the common ones)."""

    library = models.OneToOneField(
        Library,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weeding_criteria",
        verbose_name=_("library"),
    )
    not_borrowed_years = models.PositiveSmallIntegerField(
        _("not borrowed for (years)"), null=True, blank=True
    )
    max_loan_count = models.PositiveIntegerField(_("fewer loans than"), null=True, blank=True)
    older_than_years = models.PositiveSmallIntegerField(
        _("acquired more than (years) ago"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("weeding criteria")
        verbose_name_plural = _("weeding criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["library"],
                name="one_common_weeding_criteria",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return str(self.library or _("Common"))


class StorageRule(models.Model):
    """Where titles go into storage (magasin): a storage library per media type and/or
    classification range. The most specific rule wins."""

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("storage library")
    )
    media_type = models.CharField(
        _("media type"), max_length=20, choices=MediaType.choices, blank=True
    )
    classification_prefix = models.CharField(
        _("classification starts with"), max_length=20, blank=True
    )

    class Meta:
        verbose_name = _("storage rule")
        verbose_name_plural = _("storage rules")
        constraints = [
            models.UniqueConstraint(
                fields=["media_type", "classification_prefix"], name="one_storage_rule_per_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.media_type or '*'} {self.classification_prefix or '*'} → {self.library}"


class WeedingRound(models.Model):
    """A booked weeding round on a library's agenda: a section, a date, who is responsible."""

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="weeding_rounds", verbose_name=_("library")
    )
    section = models.CharField(_("section"), max_length=120)
    planned_on = models.DateField(_("planned for"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    weeded = models.PositiveIntegerField(_("weeded"), default=0)
    stored = models.PositiveIntegerField(_("sent to storage"), default=0)
    transferred = models.PositiveIntegerField(_("transferred"), default=0)
    last_copies_saved = models.PositiveIntegerField(_("last copies saved"), default=0)

    class Meta:
        verbose_name = _("weeding round")
        verbose_name_plural = _("weeding rounds")
        ordering = ["planned_on", "id"]
        indexes = [models.Index(fields=["library", "planned_on"], name="weeding_round_agenda_idx")]

    def __str__(self) -> str:
        return f"{self.library.code} {self.section} {self.planned_on}"


class WeedingList(models.Model):
    """Copies proposed for weeding at one library, built by a Celery job, reviewed item by
    item, then executed in one step."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready for review")
        EXECUTED = "executed", _("Executed")
        FAILED = "failed", _("Failed")

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="weeding_lists", verbose_name=_("library")
    )
    weeding_round = models.ForeignKey(
        WeedingRound,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lists",
        verbose_name=_("weeding round"),
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # What the list was built with: criteria, their sources and the section filters.
    parameters = models.JSONField(default=dict)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    built_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("weeding list")
        verbose_name_plural = _("weeding lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.library.code} {self.created_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        if self.state in (self.State.READY, self.State.EXECUTED):
            return 100
        if not self.progress_total:
            return 0
        return min(100, 100 * self.progress_done // self.progress_total)


class WeedingCandidate(models.Model):
    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided")
        KEEP = "keep", _("Keep")
        WEED = "weed", _("Weed")
        STORAGE = "storage", _("Send to storage")
        TRANSFER = "transfer", _("Transfer to another library")

    weeding_list = models.ForeignKey(
        WeedingList, on_delete=models.CASCADE, related_name="candidates"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list)
    # The title's other counting copies when the list was built: {"KGA": 2, ...}
    copies = models.JSONField(default=dict)
    copies_in_storage = models.PositiveSmallIntegerField(default=0)
    last_copy = models.BooleanField(default=False)
    last_outside_storage = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.UNDECIDED)
    transfer_to = models.ForeignKey(
        Library, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(
        _("reason for weeding a last copy"), max_length=200, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # after execution: done / a refusal

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["weeding_list", "item"], name="candidate_once"),
            models.CheckConstraint(
                condition=~Q(decision="transfer") | Q(transfer_to__isnull=False),
                name="candidate_transfer_has_target",
            ),
        ]
        indexes = [models.Index(fields=["weeding_list", "id"], name="candidate_list_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.decision}"

    @property
    def protected(self) -> bool:
        return self.last_copy or self.last_outside_storage


class ReadingList(models.Model):
    """A list of titles: a library's reading guide or theme (public in the OPAC when
    published), a generated "new at <library>" list, or a patron's own list."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Chosen titles")
        NEW = "new", _("New acquisitions")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reading_lists",
        verbose_name=_("library"),
    )
    patron = models.ForeignKey(
        "patrons.Patron",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reading_lists",
    )
    public = models.BooleanField(_("public"), default=False)
    new_days = models.PositiveSmallIntegerField(_("acquired within (days)"), default=30)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(library__isnull=False) & Q(patron__isnull=True))
                | (Q(library__isnull=True) & Q(patron__isnull=False)),
                name="reading_list_has_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind="manual") | Q(library__isnull=False),
                name="generated_list_is_a_librarys",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReadingListEntry(models.Model):
    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="entries")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reading_list", "record"], name="list_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reading_list_id}: {self.record_id}"
