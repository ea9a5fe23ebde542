"""Celery: take ids, call a service. acks_late + reject_on_worker_lost are set globally, and every
service here is idempotent, so a task that runs twice (or is cut off and re-delivered) is safe."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from transport import planning, services

logger = logging.getLogger(__name__)


@shared_task
def plan_transfer_task(*, transfer_id: int) -> str | None:
    """Plan one transfer's route and crate (enqueued on commit by start/receive)."""
    transfer = services.plan_transfer(transfer_id=transfer_id, now=timezone.now())
    return transfer.state if transfer is not None else None


@shared_task
def sweep_transfers(*, batch_size: int = planning.DEFAULT_BATCH) -> int:
    """Plan every waiting transfer (periodic; safe to run twice at once)."""
    return services.sweep_waiting_transfers(now=timezone.now(), batch_size=batch_size)


@shared_task
def close_departed_packing_lists() -> int:
    """Close the crates whose van has left."""
    return services.close_due_packing_lists(now=timezone.now())


@shared_task
def flag_missing_transits(*, grace_days: int = 3) -> int:
    """Put transits overdue by more than ``grace_days`` on the missing-in-transport list."""
    return len(services.flag_missing_transits(now=timezone.now(), grace_days=grace_days))


@shared_task
def reconcile_transfers() -> int:
    """Nightly: create the transfers that should exist but do not; log what was fixed."""
    report = services.reconcile(now=timezone.now())
    for transfer in report.created:
        logger.info("reconciliation created transfer %s for item %s", transfer.id, transfer.item_id)
    return len(report.created)
