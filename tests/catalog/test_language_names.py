"""Patrons see language names, not MARC codes."""

import pytest

from catalog.languages import language_name
from tests.catalog.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "sv", "en"),
    [("swe", "svenska", "Swedish"), ("fin", "finska", "Finnish"), ("xyz", "xyz", "xyz")],
)
def test_language_name_in_both_languages(code, sv, en):
    from django.utils import translation

    with translation.override("sv"):
        assert language_name(code) == sv
    with translation.override("en"):
        assert language_name(code) == en


def test_record_page_and_facet_show_the_language_name(client):
    record = RecordFactory(title="Kallocain", language="swe")
    page = client.get(f"/post/{record.id}/").content.decode()
    assert "<dd>svenska</dd>" in page
    results = client.get("/sok/", {"q": "Kallocain"}).content.decode()
    assert "svenska" in results and ">swe<" not in results
