"""A real Celery worker process takes tasks from real Redis and reads real PostgreSQL."""

import pytest

from libraries.tasks import heartbeat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_real_worker_runs_a_task_against_postgres_and_redis(celery_worker_process):
    from config.celery import app

    assert app.conf.task_always_eager is False
    result = heartbeat.delay()
    # The worker counts the libraries in the test database: it used the same PostgreSQL.
    assert result.get(timeout=30) == 6
    assert result.status == "SUCCESS"
