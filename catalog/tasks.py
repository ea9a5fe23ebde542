"""Celery tasks of the catalogue: take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def run_import(*, job_id: int) -> None:
    """Run a queued MARC import (a re-delivered task finds the job claimed and stops)."""
    from catalog.jobs import run_import_job

    run_import_job(job_id=job_id)


@shared_task
def sweep_imports() -> dict:
    """Queue again the imports whose task or worker was lost (every few minutes, by beat)."""
    from django.utils import timezone

    from catalog.jobs import sweep_imports as sweep

    return sweep(now=timezone.now())
