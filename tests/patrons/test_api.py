"""Patron API: staff only; never the full personnummer or the PIN hash; constant query counts."""

from __future__ import annotations

import json

import pytest

from patrons.models import Patron, PatronAccess
from tests.conftest import staff_client
from tests.patrons.factories import PatronFactory, card_of, next_card_number

pytestmark = pytest.mark.django_db


def assert_no_secrets(body: str, patron: Patron) -> None:
    assert "pin" not in json.loads(body) if body.startswith("{") else True
    assert "pin_hash" not in body and patron.pin_hash not in body
    if patron.personnummer:
        assert patron.personnummer not in body and patron.personnummer[2:] not in body


def test_list_filters_by_card_and_never_shows_secrets(client, desk_staff_karlskoga, adult_patron):
    PatronFactory.create_batch(3)
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.get("/api/v1/patrons/", {"card": card_of(adult_patron)})
    body = response.content.decode()
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["personnummer"] == "19811218-****"
    assert row["card_number"] == card_of(adult_patron)
    assert_no_secrets(body, adult_patron)


def test_list_query_count_is_constant(client, desk_staff_karlskoga, django_assert_max_num_queries):
    staff_client(client, desk_staff_karlskoga, "KGA")
    PatronFactory.create_batch(2)
    client.get("/api/v1/patrons/")
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/patrons/")
    PatronFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/patrons/").json()["results"]) == 22


def test_create_patch_and_lookup(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    number = next_card_number()
    created = client.post(
        "/api/v1/patrons/",
        {
            "first_name": "Tove",
            "last_name": "Hägglund",
            "personnummer": "701063-2342",
            "home_library": "HFS",
            "category": "ADULT",
            "card_number": number,
            "pin": "8642",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    patron = Patron.objects.get(pk=created.json()["id"])
    assert patron.personnummer == "197010632342"
    assert_no_secrets(created.content.decode(), patron)
    patched = client.patch(
        f"/api/v1/patrons/{patron.pk}/",
        {"email": "tove@example.se"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["email"] == "tove@example.se"
    found = client.get(f"/api/v1/patrons/by-card/{number}/")
    assert found.json()["id"] == patron.pk
    actions = PatronAccess.objects.filter(patron=patron).values_list("action", flat=True)
    assert sorted(actions) == ["api", "edit"]  # the PATCH and the look-up by card


def test_bad_input_is_refused_and_saves_nothing(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    base = {
        "first_name": "Ulla",
        "last_name": "Ståhl",
        "birth_date": "1960-01-01",
        "home_library": "KGA",
        "category": "ADULT",
    }
    for changes, field in [
        ({"personnummer": "123"}, "personnummer"),
        ({"email": "ulla @example.se"}, "email"),
        ({"pin": "abcd"}, "pin"),
        ({"card_number": card_of(adult_patron)}, "card_number"),
    ]:
        data = {**base, "card_number": next_card_number(), **changes}
        response = client.post("/api/v1/patrons/", data, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), changes
    assert Patron.objects.count() == 1


def test_lookup_tells_a_blocked_card(client, desk_staff_karlskoga, adult_patron):
    from django.utils import timezone

    from patrons.services import report_card_lost

    old = card_of(adult_patron)
    report_card_lost(patron=adult_patron, now=timezone.now())
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.get(f"/api/v1/patrons/by-card/{old}/")
    assert response.status_code == 404 and response.json() == {"card_status": "lost"}


def test_api_is_for_staff_only(client, adult_patron):
    assert client.get("/api/v1/patrons/").status_code in {401, 403}
    assert client.get(f"/api/v1/patrons/{adult_patron.pk}/").status_code in {401, 403}
