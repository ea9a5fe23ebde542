"""The whole demo consortium loads, and loading it again changes nothing (idempotent)."""

import io

import pytest
from django.core.management import call_command

from catalog.models import Item, Record
from circulation.holds.models import Hold
from circulation.models import Loan, LoanRule
from libraries.models import StaffRole
from patrons.models import Patron
from transport.models import TransportLink

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Record, Item, Patron, Loan, LoanRule, Hold, TransportLink, StaffRole)
    }


def test_seed_demo_loads_the_consortium_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    assert first["Record"] >= 2000, "a catalogue of a few thousand records"
    assert first["Patron"] >= 200, "a few hundred patrons"
    assert first["Item"] > first["Record"]
    assert first["Loan"] > 0 and first["Hold"] > 0 and first["TransportLink"] >= 10
    assert set(Item.objects.values_list("home_library__code", flat=True).distinct()) >= {
        "DEG",
        "HFS",
        "KGA",
        "KHM",
        "STO",
    }
    # Every demo copy has a shelf location (the pick list sorts and prints by it).
    assert not Item.objects.filter(barcode__startswith="9", shelf_location="").exists()
    assert {"Vuxen", "Barn"} <= set(Item.objects.values_list("shelf_location", flat=True))
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
