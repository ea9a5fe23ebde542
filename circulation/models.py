"""Lending rules, loans, fees and the log of overridden refusals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, ItemType
from circulation.rules import RULE_FIELDS, RuleRow
from libraries.models import Library
from patrons.models import Patron, PatronCategory

# --- Lending rules -----------------------------------------------------------------------


class LoanRuleQuerySet(models.QuerySet):
    def applicable(self, *, library_id: int | None, category_id: int, item_type_id: int):
        """The (at most eight) rules that can take part in resolving (library, category, type)."""
        return self.filter(
            Q(library_id=library_id) | Q(library__isnull=True),
            Q(patron_category_id=category_id) | Q(patron_category__isnull=True),
            Q(item_type_id=item_type_id) | Q(item_type__isnull=True),
        )

    def common(self):
        return self.filter(library__isnull=True)


class LoanRule(models.Model):
    """A lending rule: common (no library) or one library's override; any field may be empty.

    Empty fields fall back along the precedence in ``circulation.rules``.
    """

    library = models.ForeignKey(
        Library,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="loan_rules",
        verbose_name=_("library"),
        help_text=_("Empty: the consortium's common rule."),
    )
    patron_category = models.ForeignKey(
        PatronCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("patron category"),
        help_text=_("Empty: any category."),
    )
    item_type = models.ForeignKey(
        ItemType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("item type"),
        help_text=_("Empty: any item type."),
    )
    loan_period_days = models.PositiveSmallIntegerField(
        _("loan period (days)"), null=True, blank=True
    )
    max_renewals = models.PositiveSmallIntegerField(_("max renewals"), null=True, blank=True)
    max_loans_of_type = models.PositiveIntegerField(
        _("max loans of this item type"), null=True, blank=True
    )
    max_loans_total = models.PositiveIntegerField(_("max loans in total"), null=True, blank=True)
    fine_per_day = models.DecimalField(
        _("overdue fine per day"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    fine_cap = models.DecimalField(
        _("fine cap per item"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    grace_days = models.PositiveSmallIntegerField(_("grace days"), null=True, blank=True)
    holdable = models.BooleanField(_("may be placed on hold"), null=True, blank=True)
    hold_pickup_days = models.PositiveSmallIntegerField(
        _("hold pickup period (open days)"), null=True, blank=True
    )
    renew_when_others_wait = models.BooleanField(
        _("renewal allowed when others wait"), null=True, blank=True
    )
    # Notices (the notices app reads these): offsets count open days of the rules library.
    due_soon_days = models.PositiveSmallIntegerField(
        _("due-soon notice (open days before due)"), null=True, blank=True
    )
    overdue_notice_days = models.CharField(
        _("overdue reminders (open days after due)"), max_length=40, null=True, blank=True
    )
    bill_after_days = models.PositiveSmallIntegerField(
        _("replacement bill (open days after due)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = LoanRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("lending rule")
        verbose_name_plural = _("lending rules")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "patron_category", "item_type"],
                nulls_distinct=False,
                name="one_loan_rule_per_scope",
            ),
            # The common any/any rule is the last step of every resolution: it defines all.
            models.CheckConstraint(
                condition=Q(library__isnull=False)
                | Q(patron_category__isnull=False)
                | Q(item_type__isnull=False)
                | Q(**{f"{field}__isnull": False for field in RULE_FIELDS}),
                name="common_default_rule_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(fine_per_day__gte=0) | Q(fine_per_day__isnull=True),
                name="loan_rule_fine_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(fine_cap__gte=0) | Q(fine_cap__isnull=True),
                name="loan_rule_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        scope = self.library.code if self.library_id else "*"
        cat = self.patron_category.code if self.patron_category_id else "*"
        typ = self.item_type.code if self.item_type_id else "*"
        return f"{scope}/{cat}/{typ}"

    @property
    def is_common_default(self) -> bool:
        return not (self.library_id or self.patron_category_id or self.item_type_id)

    def as_row(self) -> RuleRow:
        return RuleRow(
            library_id=self.library_id,
            category_id=self.patron_category_id,
            item_type_id=self.item_type_id,
            values={field: getattr(self, field) for field in RULE_FIELDS},
            rule_id=self.id,
        )


class LoanRuleChange(models.Model):
    """The log of rule edits: who changed which field of which rule, when, old → new."""

    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    patron_category = models.ForeignKey(
        PatronCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item_type = models.ForeignKey(
        ItemType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("old value"), max_length=40, blank=True)
    new_value = models.CharField(_("new value"), max_length=40, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("lending rule change")
        verbose_name_plural = _("lending rule changes")
        indexes = [models.Index(fields=["library", "-changed_at"], name="rulechange_lib_idx")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value or '–'} → {self.new_value or '–'}"


# --- Loans -------------------------------------------------------------------------------


class LoanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(returned_at__isnull=True)

    def closed(self):
        return self.filter(returned_at__isnull=False)

    def overdue(self, *, at: datetime):
        return self.open().filter(due_at__lt=at)


class Loan(models.Model):
    """One loan of one item. Open while ``returned_at`` is empty.

    A loan ends by return, by being declared lost, or by the patron claiming to have returned
    it (``end_reason``). ``patron`` is emptied when the link must not be kept (privacy).
    """

    class EndReason(models.TextChoices):
        RETURNED = "returned", _("Returned")
        LOST = "lost", _("Lost")
        CLAIMS_RETURNED = "claims_returned", _("Claims returned")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="loans")
    patron = models.ForeignKey(
        Patron, on_delete=models.SET_NULL, null=True, blank=True, related_name="loans"
    )
    checkout_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("loaned at")
    )
    rules_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("rules of")
    )
    checked_out_at = models.DateTimeField(_("loaned"))
    due_at = models.DateTimeField(_("due"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    last_renewed_at = models.DateTimeField(_("last renewed"), null=True, blank=True)
    returned_at = models.DateTimeField(_("ended"), null=True, blank=True)
    returned_library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned at"),
    )
    end_reason = models.CharField(
        _("how it ended"), max_length=20, choices=EndReason.choices, blank=True
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(_("override reason"), max_length=200, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [
            # A patron's open loans (limits, the account page); tiny because loans get returned.
            models.Index(
                fields=["patron", "due_at"],
                condition=Q(returned_at__isnull=True),
                name="loan_open_patron_idx",
            ),
            # Overdue sweeps and the "overdue" filter.
            models.Index(
                fields=["due_at"], condition=Q(returned_at__isnull=True), name="loan_open_due_idx"
            ),
            # Loan history of a patron and the privacy sweep.
            models.Index(fields=["patron", "-returned_at"], name="loan_patron_history_idx"),
            models.Index(fields=["item", "-checked_out_at"], name="loan_item_history_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(returned_at__isnull=True),
                name="one_open_loan_per_item",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True, end_reason="")
                | Q(returned_at__isnull=False) & ~Q(end_reason=""),
                name="loan_end_reason_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("checked_out_at")), name="loan_due_after_checkout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.patron_id}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    def is_overdue(self, *, at: datetime) -> bool:
        return self.returned_at is None and self.due_at < at


# --- Fees --------------------------------------------------------------------------------


class FeeQuerySet(models.QuerySet):
    def unpaid(self):
        return self.filter(state=Fee.State.OPEN)


class Fee(models.Model):
    """Money a patron owes: an overdue fine, a lost-item bill or another charge."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("Overdue fine")
        LOST = "lost", _("Lost item")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Unpaid")
        PAID = "paid", _("Paid")
        WAIVED = "waived", _("Waived")

    patron = models.ForeignKey(
        Patron, on_delete=models.SET_NULL, null=True, blank=True, related_name="fees"
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.SET_NULL, null=True, blank=True, related_name="fees"
    )
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("library")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("billed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    settled_library = models.ForeignKey(
        Library, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waive_reason = models.CharField(_("reason for waiving"), max_length=200, blank=True)

    objects = FeeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        indexes = [
            models.Index(fields=["patron"], condition=Q(state="open"), name="fee_open_patron_idx"),
            models.Index(fields=["patron", "-created_at"], name="fee_patron_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_amount_positive"),
            models.CheckConstraint(
                condition=Q(state="open", settled_at__isnull=True)
                | ~Q(state="open") & Q(settled_at__isnull=False),
                name="fee_settled_iff_not_open",
            ),
            models.CheckConstraint(
                condition=~Q(state="waived") | ~Q(waive_reason=""), name="fee_waiver_has_reason"
            ),
            models.UniqueConstraint(
                fields=["loan", "kind"],
                condition=Q(kind__in=["overdue", "lost"]),
                name="one_fine_and_one_bill_per_loan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


# --- Overrides ---------------------------------------------------------------------------


class OverrideLog(models.Model):
    """A refusal that staff overrode, with their reason."""

    class Action(models.TextChoices):
        CHECKOUT = "checkout", _("Checkout")
        RENEWAL = "renewal", _("Renewal")

    at = models.DateTimeField(_("at"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    refusal = models.CharField(_("refusal overridden"), max_length=40)
    reason = models.CharField(_("reason"), max_length=200)
    loan = models.ForeignKey(
        Loan, on_delete=models.SET_NULL, null=True, blank=True, related_name="overrides"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        indexes = [models.Index(fields=["library", "-at"], name="override_lib_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.refusal}"


ZERO = Decimal("0.00")


# Holds live in their own module (STYLE: split past ~500 lines); imported here for Django.
from circulation.holds.models import Hold  # noqa: E402, F401
