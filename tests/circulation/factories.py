"""Factories for circulation tests: records, items, patrons with cards, loans, fees."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from catalog.models import Item, ItemType, Record
from circulation.models import Fee, Loan
from libraries.models import Library
from patrons.models import Card, Patron, PatronCategory


def library(code: str) -> Library:
    return Library.objects.get(code=code)


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    marc = b""
    title = factory.Sequence(lambda n: f"Titel {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    record = factory.SubFactory(RecordFactory)
    barcode = factory.Sequence(lambda n: f"I{n:08d}")
    home_library = factory.LazyFunction(lambda: library("KGA"))
    current_library = factory.SelfAttribute("home_library")
    item_type = factory.LazyFunction(lambda: ItemType.objects.get(code="BOOK"))
    price = 250


class PatronFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patron
        skip_postgeneration_save = True

    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Låntagare{n}")
    home_library = factory.LazyFunction(lambda: library("KGA"))
    category = factory.LazyFunction(lambda: PatronCategory.objects.get(code="ADULT"))
    expiry_date = date(2099, 12, 31)
    card = factory.RelatedFactory(
        "tests.circulation.factories.CardFactory", factory_related_name="patron"
    )


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    patron = factory.SubFactory(PatronFactory, card=None)
    number = factory.Sequence(lambda n: f"C{n:09d}")


class LoanFactory(factory.django.DjangoModelFactory):
    """An open loan made at Karlskoga on 1 March 2025, due 28 days later (the tests' "now" is
    12 March 2025); override the dates as needed."""

    class Meta:
        model = Loan

    item = factory.SubFactory(ItemFactory, status=Item.Status.ON_LOAN)
    patron = factory.SubFactory(PatronFactory)
    checkout_library = factory.LazyFunction(lambda: library("KGA"))
    rules_library = factory.SelfAttribute("checkout_library")
    checked_out_at = datetime(2025, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    due_at = factory.LazyAttribute(lambda o: o.checked_out_at + timedelta(days=28))


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    patron = factory.SubFactory(PatronFactory)
    library = factory.LazyFunction(lambda: library("KGA"))
    kind = Fee.Kind.OTHER
    amount = Decimal("20.00")
    created_at = factory.LazyFunction(timezone.now)
