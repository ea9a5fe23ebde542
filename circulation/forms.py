"""Forms of the circulation pages: scan fields, reasons, the rule cell editor, the rule tester."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from catalog.models import ItemType
from circulation.rule_services import BOOLEAN_FIELDS
from circulation.rules import FIELD_LABELS, RULE_FIELDS
from libraries.models import Library
from patrons.models import PatronCategory


def _scan_widget() -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "autofocus": True,
            "data-scan-field": "",
            "autocomplete": "off",
            "spellcheck": "false",
        }
    )


class CardScanForm(forms.Form):
    card = forms.CharField(label=_("Library card"), max_length=40, widget=_scan_widget())


class ItemScanForm(forms.Form):
    barcode = forms.CharField(label=_("Item barcode"), max_length=40, widget=_scan_widget())


class OverrideForm(forms.Form):
    barcode = forms.CharField(widget=forms.HiddenInput, max_length=40)
    override_reason = forms.CharField(label=_("Reason for the override"), max_length=200)


BOOLEAN_CHOICES = [("", _("Not set here (falls back)")), ("true", _("Yes")), ("false", _("No"))]


class RuleCellForm(forms.Form):
    """One field per rule field; empty = not defined by this cell's own rule (falls back).

    Values are parsed and checked by ``circulation.rule_services`` (one place for the rules).
    """

    def __init__(self, *args, inherited: dict[str, object] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        inherited = inherited or {}
        for name in RULE_FIELDS:
            fallback = inherited.get(name)
            if name in BOOLEAN_FIELDS:
                field = forms.ChoiceField(
                    label=FIELD_LABELS[name], choices=BOOLEAN_CHOICES, required=False
                )
            else:
                field = forms.CharField(label=FIELD_LABELS[name], required=False, max_length=40)
                if fallback is not None:
                    field.widget.attrs["placeholder"] = formats.localize(fallback)
                field.widget.attrs["inputmode"] = "decimal" if "fine" in name else "numeric"
            if fallback is not None:
                shown = (
                    (_("yes") if fallback else _("no"))
                    if isinstance(fallback, bool)
                    else formats.localize(fallback)
                )
                field.help_text = _("Empty: falls back to %(value)s") % {"value": shown}
            self.fields[name] = field

    @staticmethod
    def initial_from(own: dict[str, object]) -> dict[str, str]:
        initial = {}
        for name, value in own.items():
            if value is None:
                initial[name] = ""
            elif isinstance(value, bool):
                initial[name] = "true" if value else "false"
            else:
                initial[name] = formats.localize(value)  # 7,50 in Swedish; the form reads both
        return initial


class RuleTesterForm(forms.Form):
    """Either library + category + item type, or a real card and item barcode."""

    library = forms.ModelChoiceField(
        label=_("Library"), queryset=Library.objects.order_by("name"), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Patron category"), queryset=PatronCategory.objects.order_by("code"), required=False
    )
    item_type = forms.ModelChoiceField(
        label=_("Item type"), queryset=ItemType.objects.order_by("code"), required=False
    )
    card = forms.CharField(label=_("Library card"), required=False, max_length=40)
    barcode = forms.CharField(label=_("Item barcode"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        by_card = data.get("card") or data.get("barcode")
        if by_card:
            if not (data.get("card") and data.get("barcode")):
                raise forms.ValidationError(_("Give both a card number and an item barcode."))
        elif not (data.get("library") and data.get("category") and data.get("item_type")):
            raise forms.ValidationError(
                _(
                    "Pick a library, a patron category and an item type — "
                    "or give a card and a barcode."
                )
            )
        return data
