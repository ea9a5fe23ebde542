"""Queue a Celery task once the transaction commits, without ever failing the request.

The write is committed when the task is queued, so an error from the broker (Redis down, a
timeout) must not turn a done check-in into a 500: it is logged, and the periodic job that
sweeps up such work does it later (transfers: ``transport.tasks.sweep_transfers``; holds:
``circulation.tasks.target_holds``). After a failure the broker is not asked again for
``RETRY_AFTER`` seconds, so a desk does not wait for a dead broker on every scan.
"""

from __future__ import annotations

import logging
import time

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

RETRY_AFTER = 2.0
_down_until = 0.0


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """After this transaction commits, queue ``task(**kwargs)``; logs instead of raising."""
    transaction.on_commit(lambda: enqueue(task, **kwargs))


def enqueue(task: Task, **kwargs) -> bool:
    """Queue ``task(**kwargs)`` now. False (and a log line) when the broker could not take it."""
    global _down_until
    if time.monotonic() < _down_until:
        logger.warning("broker down: %s%s not queued; left to its sweep", task.name, kwargs)
        return False
    try:
        task.apply_async(kwargs=kwargs)
    except Exception as exc:
        _down_until = time.monotonic() + RETRY_AFTER
        logger.warning("could not queue %s%s (%r); left to its sweep", task.name, kwargs, exc)
        return False
    return True


def reset() -> None:
    """Forget a failure (tests: after the broker came back)."""
    global _down_until
    _down_until = 0.0
