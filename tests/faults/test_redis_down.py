"""Redis down: the desk keeps checking out and in, staff and patrons can log in, and a write
that committed answers as such; the work Celery could not take is done by the sweep once Redis
is back. Against a private ``redis-server`` (the shared one is never touched) and a real
Celery worker on it."""

from __future__ import annotations

import copy
import logging
import os
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.models import Item
from circulation.models import Loan
from config import cache as redis_cache
from config.celery import app
from libraries import enqueue
from libraries.models import Library, StaffRole
from tests.circulation.factories import ItemFactory, LoanFactory
from tests.conftest import DEMO_PASSWORD, ROOT, make_staff, start_worker, stop_worker
from tests.patrons.factories import TEST_PIN
from tests.patrons.factories import PatronFactory as PatronWithPinFactory
from transport.demo import create_demo_network
from transport.models import Transfer
from transport.tasks import sweep_transfers

from .helpers import wait_for
from .redis_server import PrivateRedis

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (its pools are looked up again on next use;
    kombu keeps one per broker URL, so the shared broker's pool must not be closed)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, settings):
    """Django's caches, the sessions and Celery on a private Redis (the worker too)."""
    server = PrivateRedis(tmp_path)
    server.start()
    caches = copy.deepcopy(settings.CACHES)
    for alias in caches.values():
        alias["LOCATION"] = server.url
    settings.CACHES = caches  # Django drops its cache connections on this change
    shared_broker = app.conf.broker_url
    use_broker(server.url)
    redis_cache.health.reset()
    enqueue.reset()
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["REDIS_URL"] = server.url
    env["CELERY_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    log = open(ROOT / ".data" / f"worker-redis-down-{uuid.uuid4().hex[:6]}.log", "w")  # noqa: SIM115
    worker = start_worker(env, log)
    try:
        yield server
    finally:
        stop_worker(worker)
        log.close()
        server.stop()
        use_broker(shared_broker)
        redis_cache.health.reset()
        enqueue.reset()


def test_the_desk_works_while_redis_is_down(private_redis, caplog):
    create_demo_network()
    deg = Library.objects.get(code="DEG")
    make_staff("desk_deg", ("DEG", StaffRole.Role.DESK))
    token = Token.objects.create(user_id=make_staff("api_deg", ("DEG", StaffRole.Role.DESK)).id)
    patron = PatronWithPinFactory()
    card = patron.cards.get().number
    to_lend, by_api = ItemFactory(home_library=deg), ItemFactory(home_library=deg)
    # Lent at Karlskoga, home there: returned at Degerfors they must travel.
    returned = [LoanFactory().item for _ in range(2)]
    desk = Client()
    assert (
        desk.post("/staff/login/", {"username": "desk_deg", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    assert desk.post("/staff/library/", {"library": deg.id}).status_code == 302
    assert desk.get("/staff/circulation/checkin/").status_code == 200

    private_redis.stop()
    caplog.set_level(logging.WARNING)

    # The session that was in Redis is gone: log in again (kept in PostgreSQL meanwhile).
    assert desk.get("/staff/circulation/checkin/").status_code == 302
    assert (
        desk.post("/staff/login/", {"username": "desk_deg", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    assert desk.post("/staff/library/", {"library": deg.id}).status_code == 302
    assert Session.objects.count() == 1

    # Checkout and check-in at the desk pages.
    response = desk.post("/staff/circulation/checkout/", {"card": card})
    assert response.status_code == 302, response.content[:300]
    assert desk.post(response["Location"], {"barcode": to_lend.barcode}).status_code == 302
    assert Loan.objects.filter(item=to_lend, returned_at__isnull=True).exists()
    response = desk.post(
        "/staff/circulation/checkin/", {"barcode": returned[0].barcode}, HTTP_HX_REQUEST="true"
    )
    # The answer tells what was committed: the item goes home to Karlskoga.
    assert response.status_code == 200 and "Karlskoga" in response.content.decode()
    assert not Loan.objects.filter(item=returned[0], returned_at__isnull=True).exists()
    assert Transfer.objects.get(item=returned[0]).state == Transfer.State.WAITING

    # The same through the API with a token.
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        "/api/v1/checkouts/", {"card": card, "barcode": by_api.barcode, "library": "DEG"}
    )
    assert response.status_code == 201, response.content
    response = api.post("/api/v1/checkins/", {"barcode": returned[1].barcode, "library": "DEG"})
    assert response.status_code == 200, response.content
    assert Transfer.objects.get(item=returned[1]).state == Transfer.State.WAITING
    # The planning task could not be queued: logged, left to the sweep.
    assert "left to its sweep" in caplog.text

    # A patron logs in at the OPAC: wrong PINs are still counted (in PostgreSQL), and the
    # login that resets the counter also keeps its session.
    opac = Client()
    response = opac.post("/konto/logga-in/", {"card_number": card, "pin": "0000"})
    assert response.status_code == 200
    patron.refresh_from_db()
    assert patron.pin_failures == 1
    response = opac.post("/konto/logga-in/", {"card_number": card, "pin": TEST_PIN})
    assert response.status_code == 302 and response["Location"] == "/konto/"
    assert opac.get("/konto/").status_code == 200
    patron.refresh_from_db()
    assert patron.pin_failures == 0

    private_redis.start()
    # Sessions begun during the outage go on; the sweep plans what the desk sent away.
    assert desk.get("/staff/circulation/checkin/").status_code == 200
    assert opac.get("/konto/").status_code == 200
    enqueue.reset()
    sweep_transfers.apply_async()
    ids = [t.id for t in Transfer.objects.filter(item__in=returned)]
    assert wait_for(
        lambda: Transfer.objects.filter(id__in=ids, state=Transfer.State.PACKED).count() == 2,
        timeout=30,
    )
    assert Item.objects.get(id=returned[0].id).status == Item.Status.IN_TRANSIT
