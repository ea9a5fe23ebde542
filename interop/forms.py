"""Forms of the copy cataloguing pages (shape input only; services decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ItemType


class CopySearchForm(forms.Form):
    INDEXES = [
        ("any", _("All fields")),
        ("title", _("Title")),
        ("author", _("Author")),
        ("isbn", "ISBN"),
    ]
    q = forms.CharField(label=_("Search the external catalogue"), max_length=200)
    index = forms.ChoiceField(label=_("In"), choices=INDEXES, initial="any", required=False)
    page = forms.IntegerField(min_value=1, max_value=50, required=False)


class CopyItemForm(forms.Form):
    """The copy to add at the working library with the copied record."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    barcode = forms.CharField(
        label=_("Barcode"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "data-scan-field": True}),
    )
    item_type = forms.ModelChoiceField(label=_("Item type"), queryset=ItemType.objects.all())
    call_number = forms.CharField(label=_("Call number"), max_length=80, required=False)
    shelf_location = forms.CharField(label=_("Shelf location"), max_length=80, required=False)
