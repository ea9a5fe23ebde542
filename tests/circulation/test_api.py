"""The circulation API: checkouts, checkins, loans (filtered, constant queries), renew, rules."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from circulation.models import Loan, LoanRule
from tests.circulation.factories import LoanFactory, PatronFactory
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(desk_staff_karlskoga):
    return staff_client(APIClient(), desk_staff_karlskoga, "KGA")


def test_checkout_returns_201_with_the_due_date(api, adult_patron, book):
    response = api.post(
        "/api/v1/checkouts/",
        {"card": adult_patron.cards.get().number, "barcode": book.barcode},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["item"] == book.barcode
    assert body["checkout_library"] == "KGA"
    assert body["due_at"]
    assert Loan.objects.get(pk=body["id"]).staff.username == "desk_kga"


def test_refused_checkout_is_409_with_reason_and_message(api, adult_patron):
    loan = LoanFactory()
    response = api.post(
        "/api/v1/checkouts/",
        {"card": adult_patron.cards.get().number, "barcode": loan.item.barcode},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["reason"] == "already_on_loan"
    assert response.json()["message"]


def test_explicit_library_needs_a_desk_role_there(api, adult_patron, book):
    response = api.post(
        "/api/v1/checkouts/",
        {"card": adult_patron.cards.get().number, "barcode": book.barcode, "library": "STO"},
        format="json",
    )
    assert response.status_code == 403
    assert not Loan.objects.exists()


def test_api_client_without_session_library_must_name_one(desk_staff_karlskoga, adult_patron, book):
    client = APIClient()
    client.force_authenticate(desk_staff_karlskoga)
    body = {"card": adult_patron.cards.get().number, "barcode": book.barcode}
    assert client.post("/api/v1/checkouts/", body, format="json").status_code == 400
    response = client.post("/api/v1/checkouts/", {**body, "library": "KGA"}, format="json")
    assert response.status_code == 201


def test_anonymous_is_refused(adult_patron, book):
    response = APIClient().post("/api/v1/checkouts/", {"card": "x", "barcode": "y"}, format="json")
    assert response.status_code in (401, 403)


def test_checkin_returns_the_action(api, libraries):
    loan = LoanFactory(item__home_library=libraries["STO"], item__current_library=libraries["STO"])
    response = api.post("/api/v1/checkins/", {"barcode": loan.item.barcode}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["action"], body["destination"], body["was_on_loan"]) == ("send_home", "STO", True)


def test_checkin_of_unknown_barcode_is_409(api):
    response = api.post("/api/v1/checkins/", {"barcode": "NOPE"}, format="json")
    assert (response.status_code, response.json()["reason"]) == (409, "unknown_item")


def test_renew(api, adult_patron):
    now = timezone.now()
    loan = LoanFactory(
        patron=adult_patron, checked_out_at=now - timedelta(days=5), due_at=now + timedelta(days=1)
    )
    response = api.post(f"/api/v1/loans/{loan.pk}/renew/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["renewals"] == 1
    response = api.post(f"/api/v1/loans/{loan.pk}/renew/", {}, format="json")
    assert (response.status_code, response.json()["reason"]) == (409, "too_soon")
    Loan.objects.filter(pk=loan.pk).update(renewals=3, due_at=now + timedelta(days=1))
    response = api.post(f"/api/v1/loans/{loan.pk}/renew/", {}, format="json")
    assert (response.status_code, response.json()["reason"]) == (409, "max_renewals")


def make_loans(count, patron=None, **kwargs):
    now = timezone.now()
    return [
        LoanFactory(
            patron=patron or PatronFactory(),
            checked_out_at=now - timedelta(days=40),
            due_at=now - timedelta(days=12) if n % 2 else now + timedelta(days=5),
            **kwargs,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 25])
def test_loan_list_runs_constant_queries(api, count, django_assert_num_queries):
    make_loans(count)
    api.get("/api/v1/loans/")  # warm the session
    # user, count, page (the session and the staff roles are in Redis)
    with django_assert_num_queries(3):
        response = api.get("/api/v1/loans/?limit=50")
    assert response.json()["count"] == count


def test_loan_list_filters(api, adult_patron, libraries):
    mine = make_loans(4, patron=adult_patron)
    make_loans(3, checkout_library=libraries["STO"])
    returned = mine[0]
    Loan.objects.filter(pk=returned.pk).update(returned_at=timezone.now(), end_reason="returned")

    def ids(query):
        return {row["id"] for row in api.get(f"/api/v1/loans/?{query}").json()["results"]}

    assert ids(f"patron={adult_patron.pk}") == {loan.pk for loan in mine}
    assert ids(f"patron={adult_patron.pk}&open=true") == {loan.pk for loan in mine[1:]}
    assert ids(f"patron={adult_patron.pk}&overdue=true") == {mine[1].pk, mine[3].pk}
    assert ids(f"item={mine[2].item.barcode}") == {mine[2].pk}
    assert len(ids("library=STO")) == 3


def test_effective_rule_shows_values_and_sources(api, libraries):
    LoanRule.objects.create(library=libraries["STO"], item_type_id=_dvd_id(), loan_period_days=7)
    response = api.get("/api/v1/rules/effective/?library=STO&category=CHILD&item_type=DVD")
    assert response.status_code == 200
    fields = response.json()["fields"]
    assert fields["loan_period_days"]["value"] == 7
    assert fields["loan_period_days"]["source"]["step"] == 3
    assert fields["loan_period_days"]["source"]["local"] is True
    assert fields["fine_per_day"] == {
        "value": "0.00",
        "source": fields["fine_per_day"]["source"],
    }
    assert fields["fine_per_day"]["source"]["step"] == 6
    assert fields["max_renewals"]["source"]["step"] == 8
    bad = api.get("/api/v1/rules/effective/?category=NOPE&item_type=DVD")
    assert bad.status_code == 400


def _dvd_id():
    from catalog.models import ItemType

    return ItemType.objects.get(code="DVD").pk


@pytest.mark.parametrize("returned", [False, True])
def test_checkout_and_checkin_answers_show_the_loan_as_the_loan_serializer_does(
    api, libraries, returned
):
    """The desk answers build the loan directly (hot path); they must not drift from the
    serializer the loan list uses."""
    from circulation.api import LoanSerializer, loan_data

    now = timezone.now()
    loan = LoanFactory(due_at=now - timedelta(days=2), renewals=1)
    if returned:
        loan.returned_at, loan.returned_library = now, libraries["KHM"]
        loan.end_reason = Loan.EndReason.RETURNED
    expected = dict(LoanSerializer(loan, context={"now": now}).data)
    assert loan_data(loan, now=now) == expected
    assert expected["overdue"] is not returned


@pytest.mark.parametrize("home", ["KGA", "STO"])
@pytest.mark.parametrize("days_overdue", [0, 30])
def test_checkin_answer_is_what_the_checkin_serializer_gives(
    desk_staff_karlskoga, libraries, home, days_overdue
):
    """The check-in answer is built directly (hot path); it must not drift from CheckinOut,
    which documents it (a transfer home, a fine, a plain reshelve)."""
    from circulation import services
    from circulation.api import CheckinOut, checkin_data

    now = timezone.now()
    loan = LoanFactory(
        item__home_library=libraries[home],
        item__current_library=libraries[home],
        due_at=now + timedelta(days=3) - timedelta(days=days_overdue),
    )
    result = services.check_in(
        barcode=loan.item.barcode, library=libraries["KGA"], staff=desk_staff_karlskoga, now=now
    )
    expected = dict(CheckinOut(result, context={"now": now}).data)
    assert checkin_data(result, now=now) == expected
    assert (expected["transfer"] is not None) is (home != "KGA")
