"""Forms only parse input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from libraries.models import Library
from patrons.models import Patron, PatronCategory


class Form(forms.Form):
    """Labels without a trailing colon (reads better, and screen readers say less)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SearchForm(Form):
    q = forms.CharField(
        label=_("Card number, name, personnummer, e-mail or phone"),
        max_length=100,
        widget=forms.TextInput(attrs={"autofocus": True, "data-scan-field": True}),
    )


class PatronForm(Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    personnummer = forms.CharField(
        label=_("Personnummer (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=PatronCategory.objects.all(), empty_label=None
    )
    home_library = forms.ModelChoiceField(
        label=_("Home library"), queryset=Library.objects.all(), empty_label=None
    )
    guardian_card = forms.CharField(
        label=_("Guardian's card number (children)"), max_length=32, required=False
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Patron.Language.choices)
    notice_channel = forms.ChoiceField(label=_("Notices by"), choices=Patron.NoticeChannel.choices)
    expiry_date = forms.DateField(
        label=_("Card valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    staff_note = forms.CharField(
        label=_("Note for staff"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegisterForm(PatronForm):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=32,
        widget=forms.TextInput(attrs={"data-scan-field": True, "autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=_("PIN (4–8 digits)"),
        max_length=8,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this is another person with the same name and birth date"),
        required=False,
    )


class CardForm(Form):
    card_number = forms.CharField(
        label=_("New card number"),
        max_length=32,
        widget=forms.TextInput(attrs={"data-scan-field": True, "autocomplete": "off"}),
    )


class PinForm(Form):
    pin = forms.CharField(
        label=_("New PIN (4–8 digits)"),
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )


class BlockForm(Form):
    reason = forms.CharField(label=_("Reason for the block"), max_length=200)


class MergeForm(Form):
    duplicate_card = forms.CharField(
        label=_("Card number of the duplicate record (it will be merged into this one)"),
        max_length=32,
    )


class OpacLoginForm(Form):
    card_number = forms.CharField(
        label=_("Library card number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=8,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "inputmode": "numeric"}
        ),
    )


class OwnDetailsForm(Form):
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Patron.Language.choices)
    notice_channel = forms.ChoiceField(label=_("Notices by"), choices=Patron.NoticeChannel.choices)
    keeps_loan_history = forms.BooleanField(label=_("Keep my loan history"), required=False)


class ChangePinForm(Form):
    current_pin = forms.CharField(
        label=_("Current PIN"),
        max_length=8,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "inputmode": "numeric"}
        ),
    )
    new_pin = forms.CharField(
        label=_("New PIN (4–8 digits)"),
        max_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
    )
