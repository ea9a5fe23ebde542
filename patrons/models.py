"""One patron registry for the consortium: patrons, categories, cards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from libraries.models import Library


class PatronCategory(models.Model):
    """Adult, child, youth, senior, staff, institution, other library … configurable by admins."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    needs_guardian = models.BooleanField(_("needs a guardian"), default=False)
    is_institution = models.BooleanField(_("institution"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("patron category")
        verbose_name_plural = _("patron categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="category_age_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class PatronQuerySet(models.QuerySet):
    def current(self):
        """Patrons that are not anonymized."""
        return self.filter(anonymized_at__isnull=True)


class Patron(models.Model):
    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    class NoticeChannel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")
        LETTER = "letter", _("Letter")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Kept after anonymization, for statistics; services set it with the birth date.
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    # Normalised to 12 digits (YYYYMMDDNNNN). Sensitive: masked on display, never in URLs/logs.
    personnummer = models.CharField(max_length=12, null=True, blank=True, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH
    )
    notice_channel = models.CharField(
        _("notices by"), max_length=10, choices=NoticeChannel.choices, default=NoticeChannel.EMAIL
    )
    home_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="patrons", verbose_name=_("home library")
    )
    category = models.ForeignKey(
        PatronCategory, on_delete=models.PROTECT, related_name="patrons", verbose_name=_("category")
    )
    guardian = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("guardian"),
    )
    expiry_date = models.DateField(_("card valid until"))
    staff_note = models.TextField(_("note for staff"), blank=True)
    keeps_loan_history = models.BooleanField(_("keep my loan history"), default=False)
    pin_hash = models.CharField(max_length=200, blank=True)
    # OPAC lockout (patrons/opac_auth.py): one counter in the database, updated under a row lock,
    # so every web/API/SIP2 process shares it.
    pin_failures = models.PositiveSmallIntegerField(default=0)
    pin_locked_until = models.DateTimeField(null=True, blank=True)
    pin_locked_for_staff = models.BooleanField(_("locked until staff unlock it"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    anonymized_at = models.DateTimeField(null=True, blank=True)

    objects = PatronQuerySet.as_manager()

    class Meta:
        verbose_name = _("patron")
        verbose_name_plural = _("patrons")
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="patron_name_idx"),
            models.Index(fields=["email"], name="patron_email_idx"),
            models.Index(fields=["phone"], name="patron_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(personnummer__isnull=True) | Q(personnummer__regex=r"^\d{12}$"),
                name="patron_personnummer_12_digits",
            ),
            models.CheckConstraint(
                condition=~Q(guardian=models.F("id")), name="patron_not_own_guardian"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def masked_personnummer(self) -> str:
        from patrons.personnummer import mask

        return mask(self.personnummer)

    def is_pin_locked(self, *, now) -> bool:
        return self.pin_locked_for_staff or bool(
            self.pin_locked_until and self.pin_locked_until > now
        )


class Card(models.Model):
    """A library card. A patron has at most one active card; old cards stay as history."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LOST = "lost", _("Reported lost")
        REPLACED = "replaced", _("Replaced")

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="cards")
    number = models.CharField(_("card number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("library card")
        verbose_name_plural = _("library cards")
        constraints = [
            models.UniqueConstraint(
                fields=["patron"], condition=Q(status="active"), name="one_active_card_per_patron"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^\S+$"), name="card_number_no_space"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class BlockQuerySet(models.QuerySet):
    def open(self):
        return self.filter(removed_at__isnull=True)


class PatronBlock(models.Model):
    """A manual block set by staff; removing it keeps the row as history."""

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="blocks")
    reason = models.CharField(_("reason"), max_length=200)
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("library")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("blocked"))
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = BlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("manual block")
        verbose_name_plural = _("manual blocks")
        indexes = [
            models.Index(
                fields=["patron"], condition=Q(removed_at__isnull=True), name="open_block_idx"
            )
        ]

    def __str__(self) -> str:
        return self.reason


class PatronAccess(models.Model):
    """The access log: every time staff open or change a patron record."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        SHOW_PERSONNUMMER = "personnummer", _("Showed the personnummer")
        EDIT = "edit", _("Edited")
        API = "api", _("Read via the API")

    patron = models.ForeignKey(
        Patron, on_delete=models.SET_NULL, null=True, related_name="access_log"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    library = models.ForeignKey(
        Library, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("patron record access")
        verbose_name_plural = _("patron record access log")
        indexes = [models.Index(fields=["patron", "-at"], name="access_patron_idx")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.action} {self.patron_id} {self.at:%Y-%m-%d %H:%M}"
