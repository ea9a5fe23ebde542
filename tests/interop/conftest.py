import pytest

from catalog.models import Item
from libraries.models import Library
from tests.catalog.factories import ItemFactory, RecordFactory


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    """PBKDF2 is slow on purpose; tests hash PINs with MD5 (the app uses Django's default)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def _item(record, code: str, barcode: str, status: str = Item.Status.AVAILABLE):
    lib = Library.objects.get(code=code)
    return ItemFactory(
        record=record, barcode=barcode, home_library=lib, current_library=lib, status=status
    )


@pytest.fixture
def small_catalog(db):
    """Five records with copies at known libraries."""
    records = {
        "mio": RecordFactory(
            title="Mio, min Mio",
            author="Lindgren, Astrid",
            year=1954,
            isbn="9789129688313",
            subjects=("Sagor",),
        ),
        "emil": RecordFactory(title="Emil i Lönneberga", author="Lindgren, Astrid", year=1963),
        "rummet": RecordFactory(
            title="Röda rummet", author="Strindberg, August", year=1879, subjects=("Stockholm",)
        ),
        "hemsoborna": RecordFactory(title="Hemsöborna", author="Strindberg, August", year=1887),
        "nils": RecordFactory(
            title="Nils Holgerssons underbara resa genom Sverige",
            author="Lagerlöf, Selma",
            year=1906,
            subjects=("Sverige",),
        ),
    }
    _item(records["mio"], "KGA", "3000000001")
    _item(records["mio"], "STO", "3000000002")
    _item(records["emil"], "DEG", "3000000003")
    _item(records["rummet"], "KHM", "3000000004")
    _item(records["hemsoborna"], "HFS", "3000000005")
    _item(records["nils"], "KGA", "3000000006")
    return records
