"""Forms of the staff accounts page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from libraries.models import Library, StaffRole


class RoleForm(forms.Form):
    """A role at a library (no library for the consortium admin role)."""

    library = forms.ModelChoiceField(
        label=_("Library"), queryset=Library.objects.none(), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, libraries, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["role"].choices = [(r, StaffRole.Role(r).label) for r in roles]


class NewStaffForm(RoleForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; the staff member can change it later."),
    )

    field_order = ["username", "first_name", "last_name", "email", "password", "library", "role"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password"):
            user = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
