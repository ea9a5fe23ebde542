"""Queue a Celery task once the transaction commits, without ever failing the request.

The write is committed when the task is queued, so an error from the broker (Redis down, a
timeout) must not turn a done check-in into a 500: it is logged, and the periodic job that
sweeps up such work does it later (transfers: ``transport.tasks.sweep_transfers``; holds:
``circulation.tasks.target_holds``). After a failure the broker is not asked again for
``RETRY_AFTER`` seconds, so a desk does not wait for a dead broker on every scan.

Services name their task by its dotted name (``"transport.tasks.plan_transfer_task"``) rather
than importing it: tasks import services, never the reverse, so an app's import graph has no
services ↔ tasks cycle (docs/architecture.md). The name is resolved when the task is queued.
"""

from __future__ import annotations

import importlib
import logging
import time

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

RETRY_AFTER = 2.0
_down_until = 0.0


def task_named(name: str) -> Task:
    """The task registered under a dotted name ``"app.tasks.function"`` (its module imported
    now, at call time, so the caller's module does not import the tasks module)."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def enqueue_on_commit(task: Task | str, **kwargs) -> None:
    """After this transaction commits, queue ``task(**kwargs)``; logs instead of raising.
    ``task`` is a task or its dotted name."""
    transaction.on_commit(lambda: enqueue(task, **kwargs))


def enqueue(task: Task | str, **kwargs) -> bool:
    """Queue ``task(**kwargs)`` now. False (and a log line) when the broker could not take it."""
    global _down_until
    if isinstance(task, str):
        task = task_named(task)
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
