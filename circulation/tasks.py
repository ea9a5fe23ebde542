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
