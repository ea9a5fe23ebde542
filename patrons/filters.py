import django_filters
from django.db.models import Q

from patrons.models import Patron


class PatronFilter(django_filters.FilterSet):
    """API filters. No personnummer filter: it would put the number in a URL."""

    card = django_filters.CharFilter(method="by_card", label="card number (active card)")
    name = django_filters.CharFilter(method="by_name", label="part of first or last name")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    phone = django_filters.CharFilter(field_name="phone", lookup_expr="contains")
    home_library = django_filters.CharFilter(field_name="home_library__code")
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = Patron
        fields = ["card", "name", "email", "phone", "home_library", "category"]

    def by_card(self, queryset, name, value):
        return queryset.filter(cards__number=value.strip(), cards__status="active")

    def by_name(self, queryset, name, value):
        query = Q()
        for word in value.split():
            query &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return queryset.filter(query)
