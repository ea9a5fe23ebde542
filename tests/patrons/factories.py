"""factory_boy factories for the patron registry."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from django.contrib.auth.hashers import make_password

from libraries.models import Library
from patrons.cardnumbers import make_card_number
from patrons.models import Card, Patron, PatronCategory
from patrons.services import card_policy

_serial = itertools.count(500_000)
TEST_PIN = "2468"


def next_card_number() -> str:
    return make_card_number(next(_serial), policy=card_policy(), prefix="3")


class PatronFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patron
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"Åsa{n}")
    last_name = "Öberg"
    birth_date = date(1985, 4, 1)
    birth_year = 1985
    email = factory.Sequence(lambda n: f"patron{n}@example.se")
    home_library = factory.LazyFunction(lambda: Library.objects.get(code="KGA"))
    category = factory.LazyFunction(lambda: PatronCategory.objects.get(code="ADULT"))
    expiry_date = date(2099, 1, 1)
    # tests/patrons/conftest.py makes the hasher fast
    pin_hash = factory.LazyFunction(lambda: make_password(TEST_PIN))

    @factory.post_generation
    def card(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Card.objects.create(patron=self, number=extracted or next_card_number())


def card_of(patron: Patron) -> str:
    return patron.cards.get(status=Card.Status.ACTIVE).number
