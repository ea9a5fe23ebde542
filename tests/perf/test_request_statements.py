"""Statements of whole desk requests through the API, session and staff roles included.

The performance issue's goals: a checkout ≤ 12 SQL statements per request, a check-in ≤ 15
including a transfer. Sessions live in Redis and the staff member's roles are cached there
(versioned), and the logged-in user is a per-process copy (``libraries.auth_backend``), so a
request costs what its service costs.

Counted as the benchmark counts (``bench/``, docs/performance.md): statements sent through a
cursor, without the transaction's BEGIN/COMMIT — here the SAVEPOINT/RELEASE pair that stands
in for them inside the test's transaction. The exact totals are pinned too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circulation.models import Loan
from libraries.models import Library, StaffRole
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory
from tests.conftest import make_staff, staff_client, warm_reference_caches
from transport.demo import create_demo_network

pytestmark = pytest.mark.django_db
CHECKOUT_GOAL, CHECKIN_GOAL, RENEW_GOAL = 12, 15, 12
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


@pytest.fixture
def desk(client, db):
    create_demo_network()
    user = make_staff("desk_req", ("KGA", StaffRole.Role.DESK), ("KHM", StaffRole.Role.DESK))
    client = staff_client(client, user, "KGA")
    # A desk that has served a request: its user and roles are cached, its network snapshot
    # and lending rules loaded.
    warm_reference_caches()
    assert client.get("/api/v1/loans/?limit=1").status_code == 200
    return client


def post(client, url: str, body: dict):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, body, content_type="application/json")
    statements = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]
    return response, len(ctx.captured_queries), statements


@pytest.mark.parametrize("explicit_library", [False, True])
def test_checkout_request_within_budget(desk, explicit_library):
    card = PatronFactory().cards.get().number
    body = {"card": card, "barcode": ItemFactory().barcode}
    if explicit_library:
        body["library"] = "KGA"  # found among the staff member's cached libraries: no query
    response, total, statements = post(desk, "/api/v1/checkouts/", body)
    assert response.status_code == 201, response.content
    assert len(statements) <= CHECKOUT_GOAL, "\n".join(statements)
    assert total == len(statements) + 2
    assert not any("django_session" in sql or "staffrole" in sql for sql in statements)


def test_checkout_request_exact_count(desk, django_assert_num_queries):
    body = {"card": PatronFactory().cards.get().number, "barcode": ItemFactory().barcode}
    # the service: BEGIN (savepoint), 4 statements, COMMIT (release). The service: lock
    # patron, lock item, the patron's facts (loans, debt, holds on this title), and one
    # statement that inserts the loan, updates the item and the patron and inserts the
    # anonymous event (rules, calendar and settings come from the process's copy; with no hold
    # on the title there is no hold to fulfil).
    with django_assert_num_queries(6):
        response = desk.post("/api/v1/checkouts/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_checkin_request_exact_count(desk, django_assert_num_queries):
    due = timezone.now() + timedelta(days=10)  # not overdue: no fee to bill
    item = LoanFactory(item__home_library=lib("KGA"), due_at=due).item
    # BEGIN, lock the item (with: may a hold take it?), lock its open loan, one statement that
    # closes the loan, puts the item back on the shelf and logs the return, COMMIT. Nobody
    # waits for the title: no capture query.
    with django_assert_num_queries(5):
        response = desk.post(
            "/api/v1/checkins/", {"barcode": item.barcode}, content_type="application/json"
        )
    assert response.json()["action"] == "reshelve", response.content


def test_renew_request_exact_count(desk, django_assert_num_queries):
    loan = LoanFactory()
    # BEGIN, lock the loan (with the waiting holds and the copies on a shelf), the patron's
    # facts, one statement that moves the due date, notes the patron's activity and logs the
    # renewal, COMMIT. The loan is not loaded before the service locks it.
    with django_assert_num_queries(5):
        response = desk.post(f"/api/v1/loans/{loan.pk}/renew/", {}, content_type="application/json")
    assert response.status_code == 200, response.content


def test_renew_request_for_an_unknown_loan_is_404(desk):
    response = desk.post("/api/v1/loans/999999999/renew/", {}, content_type="application/json")
    assert response.status_code == 404


def test_checkout_request_is_constant_in_the_patrons_loans(desk):
    counts = []
    for loans in (0, 30):
        patron = PatronFactory()
        for _ in range(loans):
            LoanFactory(patron=patron, due_at=timezone.now() + timedelta(days=20))
        body = {"card": patron.cards.get().number, "barcode": ItemFactory().barcode}
        response, total, _statements = post(desk, "/api/v1/checkouts/", body)
        assert response.status_code == 201, response.content
        counts.append(total)
    assert counts[0] == counts[1]


def test_checkin_request_with_a_transfer_within_budget(desk):
    item = LoanFactory(item__home_library=lib("KGA")).item
    body = {"barcode": item.barcode, "library": "KHM"}
    response, _total, statements = post(desk, "/api/v1/checkins/", body)
    assert response.status_code == 200, response.content
    assert response.json()["action"] == "send_home"
    assert len(statements) <= CHECKIN_GOAL, "\n".join(statements)


def test_renew_request_within_budget(desk):
    loan = LoanFactory()
    response, _total, statements = post(desk, f"/api/v1/loans/{loan.pk}/renew/", {})
    assert response.status_code == 200, response.content
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    assert len(statements) <= RENEW_GOAL, "\n".join(statements)


def test_a_role_granted_is_seen_at_the_next_request(desk):
    """The cached roles follow a change at once (the version is bumped on the write)."""
    body = {"card": PatronFactory().cards.get().number, "barcode": ItemFactory().barcode}
    response, _total, _statements = post(desk, "/api/v1/checkouts/", body | {"library": "STO"})
    assert response.status_code == 403
    user = get_user_model().objects.get(username="desk_req")
    role = StaffRole.objects.create(user=user, library=lib("STO"), role=StaffRole.Role.DESK)
    response, _total, _statements = post(desk, "/api/v1/checkouts/", body | {"library": "STO"})
    assert response.status_code == 201, response.content
    role.delete()
    body = {"card": PatronFactory().cards.get().number, "barcode": ItemFactory().barcode}
    response, _total, _statements = post(desk, "/api/v1/checkouts/", body | {"library": "STO"})
    assert response.status_code == 403
