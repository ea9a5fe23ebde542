"""The five member libraries, the book bus, their opening calendars and staff roles."""

from __future__ import annotations

from types import MappingProxyType

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libraries import calendar as cal


class LibraryQuerySet(models.QuerySet):
    def members(self):
        return self.filter(kind=Library.Kind.LIBRARY)


class Library(models.Model):
    """A member library or another service point of the consortium (the book bus)."""

    class Kind(models.TextChoices):
        LIBRARY = "library", _("Library")
        BOOKBUS = "bookbus", _("Book bus")

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LIBRARY)
    municipality = models.CharField(_("municipality"), max_length=60)
    county = models.CharField(_("county"), max_length=60)
    province = models.CharField(_("province"), max_length=60, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=40, default="Europe/Stockholm")
    open_weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("open weekdays"),
        default=list,
        blank=True,
        help_text=_("0 = Monday … 6 = Sunday"),
    )
    observes_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    hold_slip_shows_name = models.BooleanField(
        _("hold slips show the patron's name"), default=False
    )
    address = models.TextField(_("address"), blank=True, help_text=_("Printed on receipts."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    opening_hours = models.TextField(
        _("opening hours"),
        blank=True,
        help_text=_("Printed at the foot of receipts, e.g. “Mon–Thu 10–19, Fri 10–16”."),
    )

    objects = LibraryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2,8}$"), name="library_code_upper_letters"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def calendar(self, exceptions=None) -> cal.Calendar:
        """The pure calendar value; pass exceptions to avoid a query."""
        if exceptions is None:
            exceptions = {e.date: e.is_open for e in self.calendar_exceptions.all()}
        return cal.Calendar(
            open_weekdays=frozenset(self.open_weekdays),
            observes_public_holidays=self.observes_public_holidays,
            exceptions=MappingProxyType(dict(exceptions)),
        )


class CalendarException(models.Model):
    """A date on which a library departs from its weekly pattern (closed, or open on a holiday)."""

    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, related_name="calendar_exceptions"
    )
    date = models.DateField(_("date"))
    is_open = models.BooleanField(_("open"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(fields=["library", "date"], name="one_exception_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.library.code} {self.date}"


class StaffRole(models.Model):
    """What a staff member may do at a library. Consortium admins have no library."""

    class Role(models.TextChoices):
        DESK = "desk", _("Desk staff")
        CATALOGUER = "cataloguer", _("Cataloguer")
        LIBRARY_ADMIN = "library_admin", _("Library admin")
        CONSORTIUM_ADMIN = "consortium_admin", _("Consortium admin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "library", "role"], name="unique_staff_role"),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(library__isnull=True),
                name="one_consortium_admin_role_per_user",
            ),
            models.CheckConstraint(
                condition=Q(role="consortium_admin", library__isnull=True)
                | (~Q(role="consortium_admin") & Q(library__isnull=False)),
                name="consortium_admin_has_no_library",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.library.code if self.library else '*'}"


class ConsortiumSettings(models.Model):
    """The consortium's shared settings; exactly one row (id=1)."""

    class RulesLibrary(models.TextChoices):
        LOAN_LIBRARY = "loan_library", _("The library where the loan is made")
        ITEM_HOME = "item_home", _("The item's home library")
        PATRON_HOME = "patron_home", _("The patron's home library")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    rules_library = models.CharField(
        _("whose lending rules apply"),
        max_length=20,
        choices=RulesLibrary.choices,
        default=RulesLibrary.LOAN_LIBRARY,
    )
    max_debt = models.DecimalField(
        _("debt that blocks borrowing (SEK)"), max_digits=8, decimal_places=2, default=100
    )
    overdue_block_days = models.PositiveIntegerField(
        _("a loan overdue this many days blocks borrowing"), default=30
    )

    class Meta:
        verbose_name = _("consortium settings")
        verbose_name_plural = _("consortium settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="consortium_settings_single")]

    def __str__(self) -> str:
        return str(_("Consortium settings"))

    @classmethod
    def load(cls) -> ConsortiumSettings:
        obj, _created = cls.objects.get_or_create(id=1)
        return obj


class StaffAuditEntry(models.Model):
    """One change to a staff account or its roles: who did it, when, to whom (append-only)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Account created")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role removed")
        DEACTIVATED = "deactivated", _("Account deactivated")
        REACTIVATED = "reactivated", _("Account reactivated")

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_audit",
        verbose_name=_("staff member"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    library = models.ForeignKey(
        Library, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.Role.choices, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("staff audit entry")
        verbose_name_plural = _("staff audit entries")
        indexes = [models.Index(fields=["user", "-at"], name="staff_audit_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.user_id}"
