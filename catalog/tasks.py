"""Celery tasks of the catalogue: take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def run_import(*, job_id: int) -> None:
    """Run a queued MARC import (a re-delivered task finds the job claimed and stops)."""
    from catalog.jobs import run_import_job

    run_import_job(job_id=job_id)
