"""Bad input is a 400 with a message, never a 500 (issue 12, items 5, 6 and 9)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from config import urls as project_urls
from tests.circulation.factories import PatronFactory
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


@api_view(["GET"])
@permission_classes([AllowAny])
def _boom(request):
    raise RuntimeError("a bug")


def _boom_page(request) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("boom/", _boom_page),
    *project_urls.urlpatterns,
]


@pytest.fixture
def anon():
    return Client(raise_request_exception=False)


@pytest.fixture
def desk(desk_staff_karlskoga):
    return staff_client(Client(raise_request_exception=False), desk_staff_karlskoga, "KGA")


@pytest.mark.parametrize(
    "url",
    [
        "/sok/?q=abc&year_to=-1",
        "/sok/?year_from=32768",
        "/sok/?q=abc%00def",
        "/sok/forslag/?q=a%00b",
        "/api/v1/records/?q=abc&year_to=-1",
        "/api/v1/records/?year_from=32768",
        "/api/v1/records/?limit=99999999999999999999",
        "/api/v1/records/?offset=99999999999999999999",
        "/api/v1/records/?limit=%C2%B2",  # a superscript two is a digit to str.isdigit
        "/api/v1/records/?q=a%00b",
    ],
)
def test_public_bad_input_is_400(anon, url):
    response = anon.get(url)
    assert response.status_code == 400, response.content[:300]
    if url.startswith("/api/"):
        assert response.json()  # a message in JSON
    else:
        assert response.content.strip()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/patrons/?limit=99999999999999999999",
        "/api/v1/loans/?offset=-1",
        "/api/v1/holds/?limit=abc",
        "/api/v1/rules/effective/?category=A%00&item_type=B",
        "/api/v1/patrons/by-card/12%0034/",
        "/api/v1/patrons/?name=a%00b",
        "/staff/patrons/?q=a%00b",
    ],
)
def test_staff_bad_input_is_400(desk, url):
    response = desk.get(url)
    assert response.status_code == 400, response.content[:300]


def test_nul_in_a_form_field_is_400(desk):
    response = desk.post("/staff/circulation/checkin/", {"barcode": "12\x0034"})
    assert response.status_code == 400


def test_json_nested_100000_deep_is_400(desk):
    body = "[" * 100_000 + "]" * 100_000
    response = desk.post("/api/v1/checkins/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_100k_street_on_registration_is_refused(desk):
    body = {
        "first_name": "Anna",
        "last_name": "Lång",
        "home_library": "KGA",
        "category": "ADULT",
        "card_number": "2000000014",
        "street": "x" * 100_000,
    }
    response = desk.post("/api/v1/patrons/", body, content_type="application/json")
    assert response.status_code == 400
    assert "street" in response.json()
    page = desk.post(
        "/staff/patrons/new/",
        {"first_name": "Anna", "last_name": "Lång", "street": "x" * 100_000},
    )
    assert page.status_code in (200, 400)  # the form again, with the error
    assert "200" in page.content.decode()  # "at most 200 characters"


def test_page_size_is_capped_at_200(desk, django_assert_max_num_queries):
    PatronFactory.create_batch(205)
    response = desk.get("/api/v1/patrons/?limit=100000")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    # ...and only the patrons shown were written to the access log
    from patrons.models import PatronAccess

    assert PatronAccess.objects.count() == 200


def test_every_list_endpoint_caps_its_page(desk):
    for url in ["/api/v1/loans/", "/api/v1/holds/", "/api/v1/items/", "/api/v1/transfers/"]:
        response = desk.get(url, {"limit": 100000})
        assert response.status_code == 200, url
        assert "limit=200" in (response.json()["next"] or "limit=200"), url


def test_oversized_api_request_is_413_json(desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = desk.post("/api/v1/checkins/", "x" * 5000, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"]


@pytest.mark.urls("tests.test_bad_input")
def test_api_500_and_404_are_json(anon):
    response = anon.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    missing = anon.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json()["detail"]
    assert anon.get("/boom/").status_code == 500  # pages keep their HTML error page


def test_a_bogus_token_is_401(anon):
    response = anon.get("/api/v1/patrons/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert anon.get("/api/v1/patrons/").status_code == 401
