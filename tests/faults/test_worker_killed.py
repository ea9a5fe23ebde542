"""A worker killed with tasks reserved: they run again within a minute of its restart, once.

The broker (Redis) re-delivers a task nobody acknowledged after the visibility timeout
(``CELERY_BROKER_TRANSPORT_OPTIONS``); the periodic sweep is only the second net, and this test
never runs it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from catalog.models import Item
from libraries.models import Library
from tests.conftest import ROOT, start_worker, stop_worker
from tests.transport.factories import ItemFactory
from transport.demo import create_demo_network
from transport.models import PackingListEntry, Transfer, TransferEvent
from transport.tasks import plan_transfer_task

from .helpers import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def worker_env(queue: str) -> dict:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["REDIS_URL"] = settings.REDIS_URL
    env["CELERY_QUEUE"] = queue
    return env


def waiting_transfers(count: int) -> list[Transfer]:
    """Items returned at Kristinehamn, home at Karlskoga, whose planning has not run yet."""
    khm, kga = Library.objects.get(code="KHM"), Library.objects.get(code="KGA")
    now = timezone.now()
    items = [
        ItemFactory(home_library=kga, current_library=khm, status=Item.Status.IN_TRANSIT)
        for _ in range(count)
    ]
    return [
        Transfer.objects.create(
            item=i, from_library=khm, to_library=kga, reason="return_home", created_at=now
        )
        for i in items
    ]


def test_tasks_of_a_killed_worker_run_again_within_a_minute_and_once():
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 45
    create_demo_network()
    transfers = waiting_transfers(4)
    ids = [t.id for t in transfers]
    queue = f"faults-kill-{uuid.uuid4().hex[:8]}"
    log = open(ROOT / ".data" / f"worker-{queue}.log", "w")  # noqa: SIM115
    worker = start_worker(worker_env(queue), log)
    try:
        # A desk holds the items: the worker's two processes each take a planning task and
        # wait for an item's lock, so both tasks are reserved and unacknowledged.
        with transaction.atomic():
            list(Item.objects.select_for_update().filter(transfers__id__in=ids))
            for transfer_id in ids:
                plan_transfer_task.apply_async(kwargs={"transfer_id": transfer_id}, queue=queue)
            assert wait_for(lambda: waiting_on_item_locks() >= 2, timeout=20)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        assert not PackingListEntry.objects.filter(transfer_id__in=ids).exists()
        restarted = time.monotonic()
        worker = start_worker(worker_env(queue), log)
        planned = wait_for(
            lambda: Transfer.objects.filter(id__in=ids, state="packed").count() == len(ids),
            timeout=60,
        )
        took = time.monotonic() - restarted
        assert planned, (
            f"after {took:.0f} s: "
            f"{list(Transfer.objects.filter(id__in=ids).values_list('id', 'state'))}"
        )
        time.sleep(1)  # a second copy, if there were one, would show up now
        entries = PackingListEntry.objects.filter(transfer_id__in=ids).values("transfer_id")
        assert {row["n"] for row in entries.annotate(n=Count("id"))} == {1}
        packed = TransferEvent.objects.filter(transfer_id__in=ids, state="packed")
        assert packed.count() == len(ids)
    finally:
        stop_worker(worker)
        log.close()


def waiting_on_item_locks() -> int:
    """Backends of this database waiting for a row lock (the worker's planning tasks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else fixed for the transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
