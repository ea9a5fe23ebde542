"""Notices: one message to one patron (``Notice``), what it was about (``NoticeSent``, the
idempotency record), printed-letter batches and editable templates.

A notice stores no text: the message is rendered when it is sent (and a letter when its batch
is printed), so the database keeps what was sent, when and how, never the titles.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from circulation.models import Hold, Loan
from libraries.models import Library
from notices import due
from patrons.models import Patron


class Kind(models.TextChoices):
    DUE_SOON = due.DUE_SOON, _("Due soon")
    OVERDUE = due.OVERDUE, _("Overdue reminder")
    BILL = due.BILL, _("Replacement bill")
    HOLD_READY = due.HOLD_READY, _("Hold ready")
    HOLD_EXPIRING = due.HOLD_EXPIRING, _("Hold about to expire")
    CARD_EXPIRING = due.CARD_EXPIRING, _("Card about to expire")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")


class LetterBatch(models.Model):
    """Letters of one library printed together (one PDF)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("printed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")

    def __str__(self) -> str:
        return f"{self.library_id} {self.created_at:%Y-%m-%d}"


class Notice(models.Model):
    """One message to one patron: one per patron, kind and level in a run."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will be retried")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent (nothing left to remind of)")

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("notice"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("library")
    )
    run_date = models.DateField(_("run"))
    created_at = models.DateTimeField(_("created"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    letter_batch = models.ForeignKey(
        LetterBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["patron", "-created_at"], name="notice_patron_idx"),
            models.Index(
                fields=["library", "channel"],
                condition=Q(state="pending"),
                name="notice_pending_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patron", "kind", "level", "run_date"],
                condition=~Q(kind__in=[due.HOLD_READY, due.HOLD_EXPIRING]),
                name="one_notice_per_patron_level_and_run",
            ),
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="notice_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.level} → {self.patron_id}"


class NoticeSent(models.Model):
    """That a notice of this kind and level went out about this loan (for this due day), this
    hold or this card expiry. The unique constraints make a second run, or a run racing
    another, write nothing twice — and so send nothing twice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="about")
    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(default=0)
    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, null=True, blank=True, related_name="notices_sent"
    )
    hold = models.ForeignKey(
        Hold, on_delete=models.CASCADE, null=True, blank=True, related_name="notices_sent"
    )
    ref_date = models.DateField()

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "kind", "level", "ref_date"],
                condition=Q(loan__isnull=False),
                name="one_notice_per_loan_level_and_due_day",
            ),
            models.UniqueConstraint(
                fields=["hold", "kind"],
                condition=Q(hold__isnull=False),
                name="one_notice_per_hold_and_kind",
            ),
            models.UniqueConstraint(
                fields=["patron", "kind", "ref_date"],
                condition=Q(kind=due.CARD_EXPIRING),
                name="one_card_notice_per_expiry",
            ),
            models.CheckConstraint(
                condition=Q(loan__isnull=True) | Q(kind__in=sorted(due.LOAN_KINDS)),
                name="notice_sent_loan_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.level} {self.ref_date}"


class NoticeTemplate(models.Model):
    """Staff's own wording of a notice in one language (the built-in text when there is none)."""

    kind = models.CharField(_("notice"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Patron.Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text (e-mail and letter)"))
    sms = models.TextField(_("text message"), max_length=480)
    updated_at = models.DateTimeField(_("changed"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="one_template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.language}"


class NoticePreference(models.Model):
    """What a patron opted in to beyond the default notices."""

    patron = models.OneToOneField(
        Patron, on_delete=models.CASCADE, primary_key=True, related_name="notice_preference"
    )
    due_soon = models.BooleanField(_("remind me before my loans are due"), default=False)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return str(self.patron_id)
