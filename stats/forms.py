"""Report parameters and the population form: parsed here, so bad input is a form error."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 5 * 366


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    start = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    library = forms.ChoiceField(label=_("Library"), required=False)
    years = forms.IntegerField(
        label=_("Not borrowed in (years)"), min_value=1, max_value=20, required=False
    )

    def __init__(self, data, *, libraries, consortium: bool, today: date):
        super().__init__(data)
        choices = [(str(lib.id), lib.name) for lib in libraries]
        if consortium:
            choices.insert(0, ("", _("The whole consortium")))
        self.fields["library"].choices = choices
        # Only a consortium admin may ask for the whole consortium (the empty choice).
        self.fields["library"].required = not consortium
        self.today = today

    def clean(self):
        data = super().clean()
        year = data.get("year") or self.today.year
        start = data.get("start") or date(year, 1, 1)
        end = data.get("end") or date(year, 12, 31)
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        data.update(year=year, start=start, end=end, years=data.get("years") or 2)
        return data


class PopulationForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    inhabitants = forms.IntegerField(label=_("Inhabitants"), min_value=1, max_value=10_000_000)

    def __init__(self, data=None, *, libraries, initial=None):
        super().__init__(data, initial=initial)
        self.fields["library"].choices = [(str(lib.id), lib.name) for lib in libraries]
