"""Notices through a real Celery worker, real Redis and PostgreSQL, file mail/SMS backends:
each notice arrives once, even when the worker is killed in the middle of a run."""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from notices.models import Notice
from notices.tasks import send_notices
from tests.circulation.factories import PatronFactory
from tests.conftest import ROOT, start_worker, stop_worker
from tests.notices.conftest import due_loan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
RUN_DAY = "2025-03-18"  # level 1 for loans due on Friday 7 March


def wait_for(condition, *, timeout: float = 90, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def worker_env(queue: str, mail_dir: Path, sms_dir: Path, batch: int) -> dict:
    from django.conf import settings

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["REDIS_URL"] = settings.REDIS_URL
    env["CELERY_QUEUE"] = queue
    env["EMAIL_URL"] = f"file://{mail_dir}"
    env["SMS_URL"] = f"file://{sms_dir}"
    env["NOTICE_BATCH_PATRONS"] = str(batch)
    return env


def recipients(mail_dir: Path, sms_dir: Path) -> list[str]:
    found = []
    for path in mail_dir.glob("*"):
        found += re.findall(r"^To: (\S+)$", path.read_text(encoding="utf-8"), flags=re.M)
    for path in sms_dir.glob("*.json"):
        found += re.findall(r'"to": "([^"]+)"', path.read_text(encoding="utf-8"))
    return found


def make_patrons(count: int) -> set[str]:
    addresses = set()
    for n in range(count):
        if n % 4 == 0:
            patron = PatronFactory(phone=f"07{n:08d}", notice_channel="sms")
            addresses.add(patron.phone)
        else:
            patron = PatronFactory(email=f"p{n}@example.org")
            addresses.add(patron.email)
        due_loan(patron, title=f"Bok {n}")
        if n % 3 == 0:
            due_loan(patron, title=f"Bok {n}b")  # one message lists both
    return addresses


def test_worker_sends_every_notice_once_through_the_file_backends(tmp_path):
    addresses = make_patrons(20)
    queue = f"notices-{uuid.uuid4().hex[:8]}"
    log = open(ROOT / ".data" / f"worker-{queue}.log", "w")  # noqa: SIM115
    worker = start_worker(worker_env(queue, tmp_path / "mail", tmp_path / "sms", 7), log)
    try:
        result = send_notices.apply_async(kwargs={"today": RUN_DAY}, queue=queue)
        assert result.get(timeout=60)["notices"] == 20
        assert wait_for(lambda: not Notice.objects.exclude(state="sent").exists())
        send_notices.apply_async(kwargs={"today": RUN_DAY}, queue=queue).get(timeout=60)
        time.sleep(1)
        found = recipients(tmp_path / "mail", tmp_path / "sms")
        assert sorted(found) == sorted(addresses)
    finally:
        stop_worker(worker)
        log.close()


def test_worker_killed_mid_run_then_rerun_sends_each_notice_exactly_once(tmp_path):
    addresses = make_patrons(150)
    queue = f"notices-kill-{uuid.uuid4().hex[:8]}"
    mail_dir, sms_dir = tmp_path / "mail", tmp_path / "sms"
    log = open(ROOT / ".data" / f"worker-{queue}.log", "w")  # noqa: SIM115
    # Small batches: the run commits patron by patron, so the kill lands in the middle of the
    # run. This worker takes the run only (the deliveries wait in the notices queue for the
    # next one): what is tested is that the killed run, run again, writes every notice once.
    # (A worker killed in the instant between a message handed to the gateway and the commit
    # that marks it sent would send that one again: delivery is at least once, as with any
    # mail or SMS gateway.)
    worker = start_worker(worker_env(queue, mail_dir, sms_dir, 2), log, queues=[queue])
    try:
        send_notices.apply_async(kwargs={"today": RUN_DAY}, queue=queue)
        assert wait_for(lambda: Notice.objects.count() >= 10, every=0.01)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        written = Notice.objects.count()
        assert written < len(addresses), "the run finished before the kill; make it bigger"
        worker = start_worker(worker_env(queue, mail_dir, sms_dir, 50), log)
        report = send_notices.apply_async(kwargs={"today": RUN_DAY}, queue=queue).get(timeout=120)
        assert report["notices"] == len(addresses) - written
        assert Notice.objects.count() == len(addresses)
        assert wait_for(lambda: not Notice.objects.exclude(state="sent").exists())
        time.sleep(1)
        found = recipients(mail_dir, sms_dir)
        assert sorted(found) == sorted(addresses)  # each exactly once
    finally:
        stop_worker(worker)
        log.close()
