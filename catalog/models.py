"""The shared catalogue: one bibliographic record per title, each library's items under it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left, Lower, Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from libraries.models import Library


class ItemType(models.Model):
    """What kind of thing an item is for lending purposes (book, DVD, language course…)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    not_for_loan = models.BooleanField(_("reference only (not for loan)"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("item type")
        verbose_name_plural = _("item types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class MediaType(models.TextChoices):
    BOOK = "book", _("Book")
    AUDIOBOOK = "audiobook", _("Audiobook")
    EBOOK = "ebook", _("E-book")
    VIDEO = "video", _("DVD/Blu-ray")
    MUSIC = "music", _("Music CD")
    PERIODICAL = "periodical", _("Periodical")
    LANGUAGE_COURSE = "language_course", _("Language course")
    GAME = "game", _("Board game")
    KIT = "kit", _("Kit")
    MAP = "map", _("Map")
    SCORE = "score", _("Sheet music")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    ADULT = "adult", _("Adults")
    YOUTH = "youth", _("Young adults")
    CHILDREN = "children", _("Children")


# The exact-title index covers the title's first TITLE_KEY letters: a whole long title (1,900
# letters, up to 4 bytes each) is over a btree entry's limit and broke imports.
TITLE_KEY = 400


class Record(models.Model):
    """A bibliographic record. ``marc`` (ISO 2709, UTF-8) is the source of truth; the other
    fields are extracted from it on every write, for display, search and facets."""

    marc = models.BinaryField(_("MARC21 record"))
    control_number = models.CharField(max_length=64, blank=True, db_index=True)  # 001
    control_source = models.CharField(max_length=32, blank=True)  # 003
    system_numbers = ArrayField(models.CharField(max_length=80), default=list, blank=True)  # 035
    title = models.TextField(_("title"))
    subtitle = models.TextField(_("subtitle"), blank=True)
    responsibility = models.TextField(_("statement of responsibility"), blank=True)
    title_sort = models.CharField(max_length=255, blank=True, db_index=True)
    authors = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    author_sort = models.CharField(max_length=255, blank=True, db_index=True)
    isbns = ArrayField(models.CharField(max_length=13), default=list, blank=True)
    issns = ArrayField(models.CharField(max_length=9), default=list, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=3, blank=True, db_index=True)
    languages = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    media_type = models.CharField(
        _("media type"), max_length=20, choices=MediaType.choices, default=MediaType.BOOK
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.ADULT
    )
    subjects = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    sab = models.CharField(_("SAB classification"), max_length=64, blank=True)
    dewey = models.CharField(_("Dewey classification"), max_length=64, blank=True)
    series = models.CharField(_("series"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # Home libraries of the record's items, kept by catalog.services (for the library facet).
    library_ids = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bibliographic record")
        verbose_name_plural = _("bibliographic records")
        indexes = [
            # Every search scans GIN's whole pending list: keep it short (256 kB, not 4 MB), so
            # imports still batch their insertions but a search never reads 500 pending pages.
            GinIndex(
                fields=["search_vector"], name="record_search_gin", gin_pending_list_limit=256
            ),
            # The exact-title bonus of a broad search finds its records through this.
            models.Index(Left(Lower("title"), TITLE_KEY), name="record_title_key_idx"),
            # "Newest first" of a broad search walks this instead of sorting every match.
            models.Index(F("year").desc(nulls_last=True), F("id").desc(), name="record_newest_idx"),
            # Matching probes these once per incoming key: no pending list (fastupdate), which
            # every probe would scan linearly during a bulk import.
            GinIndex(fields=["isbns"], name="record_isbns_gin", fastupdate=False),
            GinIndex(fields=["system_numbers"], name="record_sysnum_gin", fastupdate=False),
            GinIndex(fields=["library_ids"], name="record_libraries_gin"),
            GinIndex(fields=["authors"], name="record_authors_gin"),
            models.Index(fields=["series"], name="record_series_idx"),
            models.Index(fields=["control_number", "control_source"], name="record_control_idx"),
            models.Index(fields=["media_type"], name="record_media_idx"),
            models.Index(fields=["audience"], name="record_audience_idx"),
            # OAI-PMH harvests by datestamp (from/until).
            models.Index(fields=["updated_at", "id"], name="record_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="record_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def language_name(self) -> str:
        from catalog.languages import language_name

        return language_name(self.language)


class DeletedRecord(models.Model):
    """A trace of a deleted record, kept for ever, so harvesters (OAI-PMH) learn of the
    deletion however late they come back ("persistent" deleted records)."""

    record_id = models.BigIntegerField(unique=True)
    title = models.TextField(blank=True)
    # Home libraries of the record's copies when it was deleted (its OAI sets).
    library_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    deleted_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("deleted record")
        verbose_name_plural = _("deleted records")

    def __str__(self) -> str:
        return f"{self.record_id} {self.title}"


class ItemQuerySet(models.QuerySet):
    def available_at(self, library: Library):
        return self.filter(current_library=library, status=Item.Status.AVAILABLE)


class Item(models.Model):
    """A physical copy. Owned by its home library; may sit at another library (current)."""

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        DAMAGED = "damaged", _("Damaged")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        ON_LOAN = "on_loan", _("On loan")
        IN_TRANSIT = "in_transit", _("In transit")
        ON_HOLD_SHELF = "on_hold_shelf", _("On hold shelf")
        MISSING = "missing", _("Missing")
        LOST = "lost", _("Lost")
        IN_STORAGE = "in_storage", _("In storage")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="items")
    barcode = models.CharField(_("barcode"), max_length=32, unique=True)
    home_library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="owned_items",
        verbose_name=_("home library"),
    )
    current_library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="present_items",
        verbose_name=_("current library"),
    )
    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, verbose_name=_("item type"))
    shelf_location = models.CharField(_("shelf location"), max_length=80, blank=True)
    call_number = models.CharField(_("call number"), max_length=80, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2, null=True, blank=True)
    acquired_on = models.DateField(_("acquired"), null=True, blank=True)
    last_borrowed_at = models.DateTimeField(_("last borrowed"), null=True, blank=True)
    loan_count = models.PositiveIntegerField(_("loans"), default=0)
    public_note = models.CharField(_("public note"), max_length=255, blank=True)
    # Physical condition, noted by staff; the weeding plan can propose worn or damaged copies.
    condition = models.CharField(
        _("condition"),
        max_length=10,
        choices=Condition.choices,
        default=Condition.GOOD,
        db_default=Condition.GOOD,  # bulk COPY writers (importer, demo, bench) leave it out
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        indexes = [
            models.Index(fields=["record", "current_library", "status"], name="item_avail_idx"),
            # "On the shelf at <library>" (catalog.search): the library's available copies read
            # index-only into a hash, one probe per search hit in memory. Partial: a checkout
            # (the copy leaves "available") adds no entry to it.
            models.Index(
                fields=["current_library", "record"],
                condition=Q(status="available"),
                name="item_on_shelf_idx",
            ),
            models.Index(fields=["home_library", "status"], name="item_home_status_idx"),
            # A call number typed as a search query, in any case (call_number__iexact).
            models.Index(Upper("call_number"), name="item_call_number_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(barcode__regex=r"^\S+$"), name="item_barcode_no_space"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0) | Q(price__isnull=True), name="item_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.barcode


class ImportJob(models.Model):
    """A MARC file uploaded by a cataloguer, imported by a Celery job; progress for the page."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="marc-imports/")
    original_name = models.CharField(_("file name"), max_length=255)
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("library")
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    records_done = models.PositiveIntegerField(default=0)
    records_total = models.PositiveIntegerField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker claims the job and at each batch: a running job whose heartbeat stopped
    # lost its worker, and the sweep (``catalog.jobs.sweep_imports``) runs it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("MARC import")
        verbose_name_plural = _("MARC imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if not self.records_total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(100 * self.records_done / self.records_total))
