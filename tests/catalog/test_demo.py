"""The demo catalogue loader (used by seed_demo)."""

from io import StringIO

import pytest

from catalog.demo import load_demo_catalog
from catalog.models import Item, Record

pytestmark = pytest.mark.django_db


def test_demo_catalog_is_idempotent_and_spread_by_population(libraries):
    out = StringIO()
    load_demo_catalog(stdout=out)
    records, items = Record.objects.count(), Item.objects.count()
    assert 3000 < records < 3400
    assert items >= records
    by_library = {
        code: Item.objects.filter(home_library__code=code).count()
        for code in ["KGA", "KHM", "DEG", "HFS", "STO"]
    }
    assert by_library["KGA"] > by_library["KHM"] > by_library["DEG"] > by_library["STO"] > 0
    assert Item.objects.filter(record__media_type="video", item_type__code="DVD").exists()
    assert Item.objects.filter(record__media_type="audiobook", item_type__code="AUDIOBOOK").exists()
    assert "demo items added" in out.getvalue()

    load_demo_catalog()
    assert (Record.objects.count(), Item.objects.count()) == (records, items)
