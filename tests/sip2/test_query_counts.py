"""SQL statements per SIP2 message: fixed, whatever the patron's number of loans (the desk's
services and selectors, plus nothing per item)."""

from __future__ import annotations

import pytest

from libraries.access import cached_access
from sip2.session import Session
from tests.circulation.factories import ItemFactory
from tests.sip2.conftest import PIN, login_frame

pytestmark = pytest.mark.django_db(transaction=True)
DATE = "20250312    120000"


@pytest.fixture
def session(terminal):
    session = Session(peer="test")
    assert session.handle(login_frame().encode()).data.startswith(b"941")
    cached_access(terminal.user)  # the roles are in Redis, as in a running server
    return session


def ask(session: Session, frame: str) -> bytes:
    return session.handle(frame.encode()).data


@pytest.mark.parametrize("loans", [1, 6])
def test_checkout_and_checkin_cost_a_fixed_number_of_statements(
    session, patron_with_pin, django_assert_max_num_queries, loans
):
    card = patron_with_pin.card_number
    ask(session, f"23006{DATE}AOKGA|AA{card}|AC|AD{PIN}|")  # the PIN is checked once per visit
    for _ in range(loans - 1):
        assert (
            ask(session, f"11NN{DATE}{DATE}AOKGA|AA{card}|AB{ItemFactory().barcode}|AD{PIN}|")[2:3]
            == b"1"
        )
    item = ItemFactory()
    with django_assert_max_num_queries(12):
        answer = ask(session, f"11NN{DATE}{DATE}AOKGA|AA{card}|AB{item.barcode}|AD{PIN}|")
    assert answer.startswith(b"121")
    with django_assert_max_num_queries(12):
        answer = ask(session, f"09N{DATE}{DATE}APx|AOKGA|AB{item.barcode}|AC|")
    assert answer.startswith(b"101")


def test_patron_information_with_a_list_costs_a_fixed_number(
    session, patron_with_pin, django_assert_max_num_queries
):
    card = patron_with_pin.card_number
    for _ in range(3):
        ask(session, f"11NN{DATE}{DATE}AOKGA|AA{card}|AB{ItemFactory().barcode}|AD{PIN}|")
    with django_assert_max_num_queries(6):
        answer = ask(session, f"63006{DATE}  Y       AOKGA|AA{card}|AC|AD{PIN}|")
    assert answer.count(b"AU") == 3
    barcode = ItemFactory().barcode
    with django_assert_max_num_queries(3):
        assert ask(session, f"17{DATE}AOKGA|AB{barcode}|").startswith(b"1803")


def test_messages_reuse_the_threads_connection_without_a_health_check_query(session):
    """A web request's ``close_old_connections`` would cost a ``SELECT 1`` per message with
    CONN_HEALTH_CHECKS; the server keeps the worker thread's connection as it is."""
    from django.db import connection

    barcode = ItemFactory().barcode
    ask(session, f"17{DATE}AOKGA|AB{barcode}|")
    raw = connection.connection
    for _ in range(3):
        assert ask(session, f"17{DATE}AOKGA|AB{barcode}|").startswith(b"1803")
    assert connection.connection is raw  # no reconnect
    assert connection.health_check_done  # and no health check due before the next query


def test_the_terminals_roles_are_read_once_a_minute_not_per_message(session, terminal):
    from libraries.models import StaffRole

    barcode = ItemFactory().barcode
    assert ask(session, f"17{DATE}AOKGA|AB{barcode}|").startswith(b"1803")
    StaffRole.objects.filter(user=terminal.user).delete()  # bumps the cached roles' version
    assert ask(session, f"17{DATE}AOKGA|AB{barcode}|").startswith(b"1803")  # still known
    session._access_until = 0.0  # a minute later
    assert ask(session, f"17{DATE}AOKGA|AB{barcode}|").startswith(b"1801")  # refused
