"""The desk endpoints check their JSON body with ``config.api.validated_input`` (fields bound
once per process) instead of a serializer per request: same values, same errors, in both
languages, as ``Serializer.is_valid`` — and through the API."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.exceptions import ValidationError

from circulation.api import CheckinIn, CheckoutIn, RenewIn
from config.api import validated_input
from tests.conftest import staff_client

BODIES = [
    {"card": "123", "barcode": "B1"},
    {"card": " 123 ", "barcode": "B1", "library": "kga", "override_reason": "ok"},
    {},
    {"card": "", "barcode": "   "},
    {"card": None, "barcode": "B1"},
    {"card": "x" * 33, "barcode": "B1", "library": "TOOLONGCODE"},
    {"card": ["123"], "barcode": {"a": 1}},
    {"card": 123, "barcode": 4.5, "library": True},
    {"barcode": "B1", "unknown": "ignored"},
    ["card", "barcode"],
    "card=1",
    42,
    None,
]


def _serializer_answer(serializer_class, body):
    serializer = serializer_class(data=body)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as error:
        return "error", error.detail
    return "ok", dict(serializer.validated_data)


def _lean_answer(serializer_class, body):
    try:
        return "ok", validated_input(serializer_class, body)
    except ValidationError as error:
        return "error", error.detail


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("serializer_class", [CheckoutIn, CheckinIn, RenewIn])
@pytest.mark.parametrize("body", BODIES, ids=repr)
def test_same_answer_as_the_serializer(serializer_class, body, language):
    with translation.override(language):
        expected = _serializer_answer(serializer_class, body)
        got = _lean_answer(serializer_class, body)
        assert got[0] == expected[0]
        # Compare the rendered messages (lazy translations) and the error codes.
        assert repr(got[1]) == repr(expected[1])


def test_a_swedish_message_for_a_missing_barcode():
    with translation.override("sv"):
        kind, detail = _lean_answer(CheckinIn, {})
    assert kind == "error"
    assert str(detail["barcode"][0]) == "Det här fältet är obligatoriskt."
    assert detail["barcode"][0].code == "required"


@pytest.mark.django_db
def test_the_api_answers_a_bad_body_with_the_field_errors(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.post(
        "/api/v1/checkouts/",
        {"card": "", "barcode": "x" * 40},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "card": ["This field may not be blank."],
        "barcode": ["Ensure this field has no more than 32 characters."],
    }
    response = client.post(
        "/api/v1/checkins/", [1, 2], content_type="application/json",
        headers={"accept-language": "en"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_a_message_formatted_in_one_language_is_not_kept_for_the_other():
    """DRF's max_length message keeps its first rendering: the fields are bound per language."""
    body = {"barcode": "x" * 40}
    with translation.override("sv"):
        assert "tecken" in str(_lean_answer(CheckinIn, body)[1]["barcode"][0])
    with translation.override("en"):
        assert "characters" in str(_lean_answer(CheckinIn, body)[1]["barcode"][0])
    with translation.override("sv"):
        assert "tecken" in str(_lean_answer(CheckinIn, body)[1]["barcode"][0])
