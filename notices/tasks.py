"""Celery: the nightly notice run, delivery with backoff, the hold-ready notice. Ids only."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from notices import selectors, services


@shared_task
def send_notices(*, today: str | None = None) -> dict:
    """The nightly run (Celery beat); also ``manage.py send_notices``. ``today`` (ISO date)
    runs it as on another day (a catch-up, or a test)."""
    now = timezone.now()
    day = date.fromisoformat(today) if today else timezone.localdate(now)
    report = services.run(now=now, today=day)
    return {"notices": report.notices, "loans": report.loans, "bills": report.bills}


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS)
def deliver_notice(self, *, notice_id: int) -> str:
    """Send one notice; retried with exponential backoff (1, 2, 4, 8 minutes) on failure."""
    state = services.deliver_notice(notice_id=notice_id, now=timezone.now())
    if state == "retrying":
        raise self.retry(countdown=60 * 2**self.request.retries)
    return state


@shared_task
def send_hold_ready_notice(*, hold_id: int) -> int | None:
    """Hold ready: enqueued (through circulation's forwarding task) when a copy is shelved."""
    return services.notify_hold_ready(hold_id=hold_id, now=timezone.now())


@shared_task
def sweep_hold_ready_notices() -> list[int]:
    """Hold-ready notices whose task was lost (the broker was down when the copy was shelved):
    every few minutes, by beat, instead of waiting for the nightly run. Each is sent once
    (``notify_hold_ready`` locks the hold and checks it was not notified)."""
    now = timezone.now()
    sent = []
    for hold_id in selectors.holds_missing_ready_notice(now=now):
        notice_id = services.notify_hold_ready(hold_id=hold_id, now=now)
        if notice_id is not None:
            sent.append(notice_id)
    return sent
