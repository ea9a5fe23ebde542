"""Self-service terminals (self-checkout machines, book returns, sorters) that speak SIP2."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libraries.models import Library


class Terminal(models.Model):
    """One SIP2 account. The machine logs in (message 93) with the user's name and password;
    what it may do is decided by that user's staff roles at ``library`` through the one
    permission table (``libraries.policy.SIP2_MESSAGES``), and
    its loans and returns are made at ``library`` in that user's name."""

    class Charset(models.TextChoices):
        UTF8 = "utf-8", "UTF-8"
        LATIN1 = "iso-8859-1", "ISO-8859-1"
        CP850 = "cp850", "CP850"

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sip2_terminal",
        verbose_name=_("login account"),
    )
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="sip2_terminals", verbose_name=_("library")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    institution_id = models.CharField(
        _("institution id (AO)"),
        max_length=40,
        blank=True,
        help_text=_("Default: the library code."),
    )
    location = models.CharField(_("location (AN/AP)"), max_length=60, blank=True)
    charset = models.CharField(
        _("character set"), max_length=12, choices=Charset.choices, default=Charset.UTF8
    )
    language = models.CharField(
        _("screen language"), max_length=2, choices=Language.choices, default=Language.SWEDISH
    )
    checksums_required = models.BooleanField(
        _("checksums and sequence numbers required"), default=False
    )
    pin_required = models.BooleanField(
        _("patrons must give their PIN"),
        default=True,
        help_text=_("Off for book returns and machines that only ask for the card."),
    )
    allowed_messages = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("allowed messages"),
        default=list,
        blank=True,
        help_text=_("Request codes such as 11, 09, 29; empty: all that the account's role allows."),
    )
    sort_bins = models.JSONField(
        _("sort bins"),
        default=dict,
        blank=True,
        help_text=_(
            'Bin per destination, e.g. {"shelf": "1", "hold_shelf": "2", "STO": "3"}; '
            "a destination not listed gets its own code."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        ordering = ["library__code", "user__username"]
        verbose_name = _("SIP2 terminal")
        verbose_name_plural = _("SIP2 terminals")
        constraints = [
            models.CheckConstraint(
                condition=Q(charset__in=["utf-8", "iso-8859-1", "cp850"]),
                name="sip2_terminal_known_charset",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.user.get_username()

    @property
    def institution(self) -> str:
        return self.institution_id or self.library.code

    def allows(self, code: str) -> bool:
        return not self.allowed_messages or code in self.allowed_messages


class ItemProperties(models.Model):
    """What a terminal keeps about an item, sent with "item status update" (19): the SIP2
    item properties (CH), free text such as a security-tag state or a sorter's note. Item
    information (18) sends them back. Nothing else in the system reads them."""

    item = models.OneToOneField(
        "catalog.Item",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sip2_properties",
        verbose_name=_("item"),
    )
    properties = models.CharField(_("item properties (CH)"), max_length=255, blank=True)
    terminal = models.ForeignKey(
        Terminal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terminal"),
    )
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("SIP2 item properties")
        verbose_name_plural = _("SIP2 item properties")

    def __str__(self) -> str:
        return self.properties
