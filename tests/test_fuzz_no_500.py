"""Fuzz: no input makes an API endpoint or the OPAC search answer 500 (issue 12, item 5).

Hypothesis draws query parameters and JSON bodies for every operation of the OpenAPI schema
(drf-spectacular's, the one published at /api/schema/) and for the OPAC's search parameters:
hostile strings (NUL, huge numbers, negative numbers, deep nesting, long text) mixed with random
ones. The normal run tries a few examples per operation; ``-m slow`` tries many.
"""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_staff, staff_client

NASTY = [
    "",
    "0",
    "-1",
    "32768",
    "-32769",
    "2147483648",
    "99999999999999999999",
    "1e309",
    "NaN",
    "²",
    "abc\x00def",
    "\x00",
    "KGA",
    "x" * 10_000,
    "' OR 1=1 --",
    "%",
    "[]",
    "{}",
    "true",
    "2025-02-30",
    "2025-03-10T10:15:00+01:00",
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
PARAM = st.one_of(st.sampled_from(NASTY), TEXT, st.integers(-(2**70), 2**70).map(str))
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXT,
    st.sampled_from(NASTY),
)  # fmt: skip
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def operations() -> list[tuple[str, str, list[str], list[str]]]:
    """(path template, method, query parameter names, body property names) of every API call."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in item.items():
            query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            props: list[str] = []
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            if ref:
                props = list(components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
            found.append((path, method, query, props))
    return found


OPERATIONS = operations()


@pytest.fixture
def desk(db):
    user = make_staff("fuzz", ("KGA", "library_admin"))
    return staff_client(Client(raise_request_exception=False), user, "KGA")


def _url(path: str, ids: dict) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def _check(client, path, method, query, props, data) -> None:
    ids = {
        name: data.draw(st.sampled_from(["1", "0", "99999999999999999999", "abc"]), label=name)
        for name in ("record_id", "item_id", "patron_id", "hold_id", "loan_id", "number")
    }
    params = {name: data.draw(PARAM, label=name) for name in query if data.draw(st.booleans())}
    params["working_library"] = data.draw(st.sampled_from(["KGA", "", "NOPE", "\x00"]))
    url = _url(path, ids)
    if method in ("post", "patch", "put"):
        body = {name: data.draw(JSON, label=name) for name in props if data.draw(st.booleans())}
        if data.draw(st.booleans()):
            body = data.draw(JSON, label="body")
        from urllib.parse import urlencode

        response = getattr(client, method)(
            f"{url}?{urlencode(params)}",
            body,
            content_type="application/json",
        )
    else:
        response = getattr(client, method)(url, params)
    assert response.status_code < 500, (method, url, params, response.content[:300])


def _examples(slow: bool) -> int:
    return 200 if slow else 8


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method", "query", "props"), OPERATIONS)
def test_no_api_call_answers_500(desk, path, method, query, props):
    @settings(
        max_examples=_examples(False),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(data):
        _check(desk, path, method, query, props, data)

    run()


OPAC_PARAMS = ["q", "library", "available", "media", "language", "audience", "year_from",
               "year_to", "sort", "page"]  # fmt: skip


def _opac(client, data) -> None:
    params = {n: data.draw(PARAM, label=n) for n in OPAC_PARAMS if data.draw(st.booleans())}
    for url in ("/sok/", "/sok/forslag/"):
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)


@pytest.mark.django_db
def test_no_opac_search_answers_500():
    client = Client(raise_request_exception=False)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(data=st.data())
    def run(data):
        _opac(client, data)

    run()


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method", "query", "props"), OPERATIONS)
def test_no_api_call_answers_500_long_run(desk, path, method, query, props):
    @settings(
        max_examples=_examples(True),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(data):
        _check(desk, path, method, query, props, data)

    run()
