"""FilterSets of the catalogue API."""

from __future__ import annotations

import django_filters

from catalog.models import Audience, Item, MediaType, Record

# Publication years a search may ask for (the column is a smallint; no book is older).
YEAR_MIN, YEAR_MAX = 0, 9999


class RecordSearchFilter(django_filters.FilterSet):
    """The search parameters of GET /api/v1/records/ (validated by this FilterSet's form; the
    search itself is catalog.search, the same as the OPAC's)."""

    q = django_filters.CharFilter(help_text='title:, author:, subject:, isbn:, "phrases"')
    library = django_filters.CharFilter(help_text="library code holding a copy")
    available = django_filters.CharFilter(help_text="library code where a copy is available")
    media = django_filters.ChoiceFilter(choices=MediaType.choices)
    language = django_filters.CharFilter()
    audience = django_filters.ChoiceFilter(choices=Audience.choices)
    year_from = django_filters.NumberFilter(min_value=YEAR_MIN, max_value=YEAR_MAX)
    year_to = django_filters.NumberFilter(min_value=YEAR_MIN, max_value=YEAR_MAX)
    sort = django_filters.ChoiceFilter(
        choices=[(s, s) for s in ("relevance", "newest", "title", "author")]
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, queryset=Record.objects.none(), **kwargs)


class ItemFilter(django_filters.FilterSet):
    barcode = django_filters.CharFilter()
    record = django_filters.NumberFilter(field_name="record_id")
    home_library = django_filters.CharFilter(field_name="home_library__code")
    current_library = django_filters.CharFilter(field_name="current_library__code")
    status = django_filters.ChoiceFilter(choices=Item.Status.choices)
    call_number = django_filters.CharFilter()

    class Meta:
        model = Item
        fields = ["barcode", "record", "home_library", "current_library", "status", "call_number"]
