"""API error texts are translated: a Swedish request gets Swedish, an English one English."""

from __future__ import annotations

import pytest

from libraries.models import StaffRole
from tests.conftest import make_staff, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    user = make_staff("api_kga", ("KGA", StaffRole.Role.DESK), ("KGA", StaffRole.Role.CATALOGUER))
    return staff_client(client, user, "KGA")


@pytest.mark.parametrize(
    ("url", "swedish", "english"),
    [
        (
            "/api/v1/transport/route/?from=XX&to=KGA",
            "from och to ska vara bibliotekskoder",
            "from and to must be library codes",
        ),
        (
            "/api/v1/transport/route/?from=KHM&to=KGA&at=igår",
            "at ska vara en tidpunkt i ISO 8601",
            "at must be an ISO 8601 date-time",
        ),
        (
            "/api/v1/rules/effective/?library=KGA&category=NONE&item_type=BOOK",
            "Ange en känd kategori- och medietypskod",
            "Give a known category and item_type code.",
        ),
        ("/api/v1/records/999999999/", "Hittades inte.", "Not found."),
        ("/api/v1/records/?limit=many", "limit och offset ska vara tal", "limit and offset"),
    ],
)
def test_api_errors_speak_the_requested_language(api, url, swedish, english):
    answer = api.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert swedish in answer
    assert english in api.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
