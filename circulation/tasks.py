"""Celery: periodic privacy jobs; each calls circulation.privacy and returns what it did."""

from celery import shared_task
from django.utils import timezone

from circulation import privacy


@shared_task
def unlink_returned_loans() -> int:
    return privacy.unlink_returned_loans(now=timezone.now())


@shared_task
def anonymize_inactive_patrons() -> dict:
    report = privacy.anonymize_inactive(now=timezone.now())
    return {"anonymized": report.anonymized, "kept": report.kept_for_open_business}


# --- Holds: each task takes an id (or nothing), calls a hold service, is idempotent ---------


@shared_task
def send_hold_ready_notice(*, hold_id: int) -> None:
    """Forwarding name: "your hold is ready" lives in the notices app now. Kept because
    check-ins enqueue it and queued messages may still carry this name; forwarded by name,
    since circulation does not import notices."""
    from celery import current_app

    current_app.send_task("notices.tasks.send_hold_ready_notice", kwargs={"hold_id": hold_id})


@shared_task
def target_holds(*, hold_id: int | None = None) -> int:
    """Put waiting holds' copies on pick lists: one new hold, or all of them (periodic)."""
    from circulation.holds import targeting as hold_targeting

    report = hold_targeting.run_targeting(
        now=timezone.now(), hold_ids=[hold_id] if hold_id is not None else None
    )
    return report.targeted


@shared_task
def expire_holds() -> int:
    """Expire holds not picked up by their deadline; copies go to the next hold or home."""
    from circulation.holds import services as hold_services

    return len(hold_services.expire_holds(now=timezone.now()))
