"""Planning with real Celery workers and real concurrency: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from catalog.models import Item, ItemType, Record
from config.celery import app
from libraries.models import Library
from tests.conftest import ROOT, start_worker, stop_worker
from transport import routing, selectors, services
from transport.demo import create_demo_network
from transport.models import PackingList, PackingListEntry, Transfer, TransferEvent
from transport.tasks import sweep_transfers

from .factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, *, timeout: float = 60, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def waiting_transfers(count: int, *, at_code="KHM", home_code="KGA") -> list[int]:
    """Items returned away from home whose transfers wait for planning (no task enqueued).

    Written set-based: the kill test needs thousands, so that the (batch-efficient) sweep is
    still running when the worker is killed."""
    here = Library.objects.get(code=at_code)
    home = Library.objects.get(code=home_code)
    items = ItemFactory.build_batch(
        count,
        home_library=home,
        current_library=here,
        item_type=ItemType.objects.get(code="BOOK"),
        status=Item.Status.IN_TRANSIT,
    )
    records = Record.objects.bulk_create(item.record for item in items)
    for item, record in zip(items, records, strict=True):
        item.record = record
    items = Item.objects.bulk_create(items)
    now = timezone.now()
    return [
        t.id
        for t in Transfer.objects.bulk_create(
            Transfer(
                item=i, from_library=here, to_library=home, reason="return_home", created_at=now
            )
            for i in items
        )
    ]


def assert_each_planned_exactly_once(ids: list[int]) -> None:
    entries = dict(
        PackingListEntry.objects.filter(transfer_id__in=ids)
        .values_list("transfer_id")
        .annotate(n=Count("id"))
    )
    assert set(entries) == set(ids)
    assert set(entries.values()) == {1}
    packed = dict(
        TransferEvent.objects.filter(transfer_id__in=ids, state="packed")
        .values_list("transfer_id")
        .annotate(n=Count("id"))
    )
    assert set(packed.values()) == {1} and len(packed) == len(ids)
    assert set(Transfer.objects.filter(id__in=ids).values_list("state", flat=True)) == {"packed"}


@pytest.mark.worker
def test_a_real_worker_plans_items_returned_across_the_consortium(celery_worker_process):
    create_demo_network()
    libs = {lib.code: lib for lib in Library.objects.all()}
    # (returned at, home)
    returns = [
        ("KHM", "KGA"),
        ("KHM", "DEG"),
        ("KGA", "HFS"),
        ("KGA", "KHM"),
        ("DEG", "STO"),
        ("HFS", "KGA"),
        ("BUS", "KGA"),
        ("STO", "DEG"),
    ] * 3
    ids = []
    with transaction.atomic():  # like check-in: planning is enqueued when this commits
        for at_code, home in returns:
            item = ItemFactory(home_library=libs[home], current_library=libs[at_code])
            ids.append(
                services.start_transfer(
                    item=item,
                    from_library=libs[at_code],
                    to_library=libs[home],
                    reason="return_home",
                    staff=None,
                    now=timezone.now(),
                ).id
            )
        assert not PackingListEntry.objects.exists()
    assert wait_for(
        lambda: Transfer.objects.filter(id__in=ids, state="packed").count() == len(ids)
    ), list(Transfer.objects.filter(id__in=ids).values_list("state", "route_problem"))
    assert_each_planned_exactly_once(ids)
    for transfer in Transfer.objects.filter(id__in=ids).select_related(
        "item__current_library", "to_library"
    ):
        entry = PackingListEntry.objects.select_related(
            "packing_list__link__from_library", "packing_list__link__to_library"
        ).get(transfer=transfer)
        crate = entry.packing_list
        # The crate leaves where the item is, on the planner's first hop for the time it planned.
        expected = routing.plan_route(
            selectors.load_network(now=transfer.planned_at),
            start=transfer.item.current_library.code,
            destination=transfer.to_library.code,
            now=transfer.planned_at,
        ).hops[0]
        assert crate.link.from_library == transfer.item.current_library
        assert (crate.link.id, crate.departure_date) == (expected.link_id, expected.departs.date())
    # One crate per departure: all Kristinehamn → Karlskoga items share theirs.
    khm_kga = Transfer.objects.filter(id__in=ids, from_library__code="KHM", to_library__code="KGA")
    assert PackingList.objects.filter(entries__transfer__in=khm_kga).distinct().count() == 1


def worker_env(queue: str) -> dict:
    from django.conf import settings

    from config.dburl import url_from_database

    env = dict(os.environ)
    env["DATABASE_URL"] = url_from_database(connection.settings_dict)
    env["REDIS_URL"] = settings.REDIS_URL
    env["CELERY_QUEUE"] = queue
    return env


def pid_running(task_id: str) -> int | None:
    for tasks in (app.control.inspect(timeout=1).active() or {}).values():
        for task in tasks:
            if task["id"] == task_id:
                return task["worker_pid"]
    return None


def planned_count(ids: list[int]) -> int:
    return PackingListEntry.objects.filter(transfer_id__in=ids).count()


@pytest.mark.worker
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing():
    create_demo_network()
    queue = f"transport-kill-{uuid.uuid4().hex[:8]}"
    log = open(ROOT / ".data" / f"worker-{queue}.log", "w")  # noqa: SIM115
    worker = start_worker(worker_env(queue), log)
    try:
        # 1. The pool process running the batch is killed: the task comes back (acks_late +
        #    reject_on_worker_lost), a fresh pool process finishes it. Small batches of many
        #    transfers: the sweep must outlast the ~1 s it takes to find the pool process.
        ids = waiting_transfers(3000)
        result = sweep_transfers.apply_async(kwargs={"batch_size": 2}, queue=queue)
        assert wait_for(lambda: planned_count(ids) >= 30, every=0.02)
        found: list[int | None] = []  # ask once: each question takes ~1 s
        assert wait_for(lambda: found.append(pid_running(result.id)) or found[-1], timeout=10)
        child = found[-1]
        done_before_kill = planned_count(ids)
        os.kill(child, signal.SIGKILL)
        assert done_before_kill < len(ids), "the batch finished before the kill; make it bigger"
        assert wait_for(lambda: planned_count(ids) == len(ids), timeout=90)
        assert_each_planned_exactly_once(ids)

        # 2. The whole worker dies (SIGKILL to every process); a new worker is started and the
        #    periodic sweep runs again: every item is planned exactly once.
        more = waiting_transfers(1000, at_code="DEG", home_code="KHM")
        sweep_transfers.apply_async(kwargs={"batch_size": 2}, queue=queue)
        assert wait_for(lambda: planned_count(more) >= 30, every=0.02)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        assert planned_count(more) < len(more)
        worker = start_worker(worker_env(queue), log)
        sweep_transfers.apply_async(kwargs={"batch_size": 10}, queue=queue).get(timeout=120)
        assert_each_planned_exactly_once(more)
    finally:
        stop_worker(worker)
        log.close()


def test_two_sweeps_at_once_plan_each_transfer_once():
    create_demo_network()
    ids = waiting_transfers(120)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            results.append(services.sweep_waiting_transfers(now=timezone.now(), batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(ids)
    assert_each_planned_exactly_once(ids)
