import django_filters
from django.utils import timezone

from circulation.models import Loan


class LoanFilter(django_filters.FilterSet):
    patron = django_filters.NumberFilter(field_name="patron_id", label="patron id")
    item = django_filters.CharFilter(field_name="item__barcode", label="item barcode")
    open = django_filters.BooleanFilter(method="filter_open", label="open (not returned)")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="open and past due")
    library = django_filters.CharFilter(
        field_name="checkout_library__code", label="loaned at this library (code)"
    )

    class Meta:
        model = Loan
        fields = ["patron", "item", "open", "overdue", "library"]

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.closed()

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(at=timezone.now())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
