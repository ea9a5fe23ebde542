from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notices.models import Channel


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text (e-mail and letter)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=10_000,
    )
    sms = forms.CharField(
        label=_("Text message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=480
    )


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Notices by"), choices=Channel.choices, widget=forms.RadioSelect
    )
    due_soon = forms.BooleanField(
        label=_("Remind me a few days before my loans are due"), required=False
    )
