"""Forms of the collection pages (shape input only; services decide)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, ItemType
from collection.models import WeedingCandidate, WeedingCriteria, WeedingRound
from libraries.models import Library


class StartListForm(forms.Form):
    item_type = forms.ModelChoiceField(
        label=_("Item type"), queryset=ItemType.objects.all(), required=False,
        empty_label=_("All item types"),
    )  # fmt: skip
    shelf_prefix = forms.CharField(
        label=_("Shelf location starts with"), max_length=80, required=False
    )
    conditions = forms.MultipleChoiceField(
        label=_("Also propose copies in this condition"),
        choices=[c for c in Item.Condition.choices if c[0] != Item.Condition.GOOD],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weeding_round = forms.ModelChoiceField(
        label=_("For the weeding round"), queryset=WeedingRound.objects.none(), required=False
    )

    def __init__(self, *args, library: Library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weeding_round"].queryset = WeedingRound.objects.filter(
            library=library, finished_at__isnull=True
        )


class RoundForm(forms.Form):
    section = forms.CharField(label=_("Section"), max_length=120)
    planned_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible = forms.ModelChoiceField(
        label=_("Responsible"), queryset=get_user_model().objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, library: Library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff_roles__library=library)
            .distinct()
            .order_by("first_name", "username")
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=WeedingCandidate.Decision.choices)
    transfer_to = forms.ModelChoiceField(queryset=Library.objects.all(), required=False)
    override_reason = forms.CharField(max_length=200, required=False)


class CriteriaForm(forms.ModelForm):
    class Meta:
        model = WeedingCriteria
        fields = ["not_borrowed_years", "max_loan_count", "older_than_years"]
