"""Items for transport tests (a minimal record each; catalog's own factories may differ)."""

from __future__ import annotations

import factory

from catalog.models import Item, ItemType, Record
from libraries.models import Library


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    marc = b""
    title = factory.Sequence(lambda n: f"Resebok {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    record = factory.SubFactory(RecordFactory)
    barcode = factory.Sequence(lambda n: f"T{n:07d}")
    home_library = factory.LazyFunction(lambda: Library.objects.get(code="KGA"))
    current_library = factory.SelfAttribute("home_library")
    item_type = factory.LazyFunction(lambda: ItemType.objects.get(code="BOOK"))
