"""Forms of the cataloguing pages (shape input only; services decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Audience, Item, ItemType, MediaType
from libraries.models import Library


def _lines(value: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (value or "").splitlines() if line.strip())


class RecordForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=500, required=False)
    responsibility = forms.CharField(
        label=_("Statement of responsibility"), max_length=500, required=False
    )
    author = forms.CharField(label=_("Main author (Surname, Forename)"), required=False)
    contributors = forms.CharField(
        label=_("Other contributors, one per line"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    isbn = forms.CharField(label="ISBN", max_length=20, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1000, max_value=2100, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=255, required=False)
    language = forms.CharField(
        label=_("Language (3 letters, e.g. swe)"), max_length=3, initial="swe"
    )
    media_type = forms.ChoiceField(label=_("Media type"), choices=MediaType.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    subjects = forms.CharField(
        label=_("Subjects, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    series = forms.CharField(label=_("Series"), max_length=255, required=False)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_isbn(self):
        from catalog.marc import normalize_isbn

        value = self.cleaned_data["isbn"].strip()
        if value and not normalize_isbn(value):
            raise forms.ValidationError(_("This is not a valid ISBN."))
        return value

    def clean_language(self):
        value = self.cleaned_data["language"].strip().lower()
        if not value.isalpha() or len(value) != 3:
            raise forms.ValidationError(_("Use a three-letter language code (swe, eng, …)."))
        return value

    def common_fields(self):
        from catalog.marc_edit import CommonFields

        d = self.cleaned_data
        return CommonFields(
            title=d["title"],
            subtitle=d["subtitle"],
            responsibility=d["responsibility"],
            author=d["author"],
            contributors=_lines(d["contributors"]),
            isbn=d["isbn"],
            year=d["year"],
            publisher=d["publisher"],
            language=d["language"],
            media_type=d["media_type"],
            audience=d["audience"],
            subjects=_lines(d["subjects"]),
            series=d["series"],
            summary=d["summary"],
        )

    @classmethod
    def initial_for(cls, record) -> dict:
        return {
            "title": record.title,
            "subtitle": record.subtitle,
            "responsibility": record.responsibility,
            "author": record.authors[0] if record.authors else "",
            "contributors": "\n".join(record.authors[1:]),
            "isbn": record.isbns[0] if record.isbns else "",
            "year": record.year,
            "publisher": record.publisher,
            "language": record.language or "swe",
            "media_type": record.media_type,
            "audience": record.audience,
            "subjects": "\n".join(record.subjects),
            "series": record.series,
            "summary": record.summary,
        }


class MarcForm(forms.Form):
    marc = forms.CharField(
        label=_("MARC"), widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false"})
    )


class ItemForm(forms.Form):
    barcode = forms.CharField(
        label=_("Barcode"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "data-scan-field": True}),
    )
    home_library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.all())
    item_type = forms.ModelChoiceField(label=_("Item type"), queryset=ItemType.objects.all())
    call_number = forms.CharField(label=_("Call number"), max_length=80, required=False)
    shelf_location = forms.CharField(label=_("Shelf location"), max_length=80, required=False)
    price = forms.DecimalField(
        label=_("Price (SEK)"), min_value=0, max_digits=8, decimal_places=2, required=False
    )
    acquired_on = forms.DateField(
        label=_("Acquired"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    public_note = forms.CharField(label=_("Public note"), max_length=255, required=False)


class ItemEditForm(ItemForm):
    condition = forms.ChoiceField(
        label=_("Condition"), choices=Item.Condition.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["barcode"]
        del self.fields["home_library"]


class MoveForm(forms.Form):
    to_library = forms.ModelChoiceField(label=_("New home library"), queryset=Library.objects.all())


class ImportForm(forms.Form):
    file = forms.FileField(label=_("MARC file (ISO 2709 or MARCXML)"))
    all_copies_here = forms.BooleanField(
        label=_("Every copy in the file belongs to my working library"), required=False
    )
    dry_run = forms.BooleanField(label=_("Dry run: report only, write nothing"), required=False)
