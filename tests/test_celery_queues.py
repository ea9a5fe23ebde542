"""Tasks go to one queue per job kind (config/queues.py), every queue named after this run's
own default queue, and the test worker consumes them all."""

import pytest
from django.conf import settings

from circulation.tasks import expire_holds
from collection.tasks import build_queued_weeding_lists
from config.queues import KINDS, queue_names
from libraries.tasks import heartbeat
from notices.tasks import send_notices
from transport.tasks import close_departed_packing_lists

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def queue_of(task) -> str:
    from config.celery import app

    return app.amqp.router.route({}, task.name)["queue"].name


def test_each_kind_has_its_own_queue_under_the_runs_name():
    base = settings.CELERY_TASK_DEFAULT_QUEUE
    assert base.startswith("test-")  # tests/pytest_env.py: this run's own
    assert queue_of(close_departed_packing_lists) == f"{base}.planning"
    assert queue_of(expire_holds) == f"{base}.holds"
    assert queue_of(send_notices) == f"{base}.notices"
    assert queue_of(build_queued_weeding_lists) == f"{base}.import"
    assert queue_of(heartbeat) == base
    assert queue_names(base) == [base, *(f"{base}.{kind}" for kind in KINDS)]


def test_the_test_worker_consumes_a_task_of_each_kind(celery_worker_process):
    results = {
        "planning": close_departed_packing_lists.delay(),
        "holds": expire_holds.delay(),
        "notices": send_notices.delay(),
        "import": build_queued_weeding_lists.delay(),
        "default": heartbeat.delay(),
    }
    for kind, result in results.items():
        assert result.get(timeout=60) is not None, kind
        assert result.status == "SUCCESS", kind
