import django_filters

from transport.models import Transfer


class TransferFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__barcode", label="item barcode")
    item_id = django_filters.NumberFilter(field_name="item_id")
    # "from" is a Python keyword: declared below with its public name.
    to = django_filters.CharFilter(field_name="to_library__code", label="to library code")
    state = django_filters.MultipleChoiceFilter(choices=Transfer.State.choices)
    library = django_filters.CharFilter(
        method="filter_library", label="from or to this library (code)"
    )

    class Meta:
        model = Transfer
        fields = ["item", "item_id", "to", "state", "library"]

    def filter_library(self, queryset, name, value):
        return queryset.filter(from_library__code=value) | queryset.filter(to_library__code=value)


TransferFilter.base_filters["from"] = django_filters.CharFilter(
    field_name="from_library__code", label="from library code"
)
