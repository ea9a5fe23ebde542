"""Celery queues per job kind (docs/performance.md, "Past one machine").

Every queue name starts with the base ``CELERY_QUEUE`` ("granslos"; a test run's own
``test-<run>``), so two deployments or two test runs on one Redis never take each other's
tasks. The base queue itself takes every task no kind claims (heartbeat, statistics, the
nightly privacy jobs). A worker started without ``-Q`` consumes them all (``task_queues``);
``celery worker -Q granslos.notices`` on another host adds capacity for one kind only.
"""

from __future__ import annotations

# kind → task name patterns routed to ``<base>.<kind>``.
KINDS: dict[str, tuple[str, ...]] = {
    # Route planning and the transport sweeps: many small tasks after every check-in away
    # from home.
    "planning": ("transport.tasks.*",),
    # Hold targeting and expiry: bursts at check-in and on the quarter-hour run.
    "holds": ("circulation.tasks.target_holds", "circulation.tasks.expire_holds"),
    # The nightly notice run and every delivery (mail/SMS gateways are slow and retried).
    "notices": ("notices.tasks.*", "circulation.tasks.send_hold_ready_notice"),
    # MARC imports and weeding lists: long, heavy, few.
    "import": ("catalog.tasks.*", "collection.tasks.*"),
}


def queue_names(base: str) -> list[str]:
    """All queues of a deployment (or test run) whose default queue is ``base``."""
    return [base, *(f"{base}.{kind}" for kind in KINDS)]


def routes(base: str) -> dict[str, dict[str, str]]:
    """``task_routes``: each kind's tasks to ``<base>.<kind>``; the rest to ``base``."""
    return {
        pattern: {"queue": f"{base}.{kind}"}
        for kind, patterns in KINDS.items()
        for pattern in patterns
    }
