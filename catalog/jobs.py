"""MARC imports as background jobs: queue an uploaded file, run it, keep progress for the page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.importer import import_marc
from catalog.marc import detect_format
from catalog.models import ImportJob
from libraries.enqueue import enqueue, enqueue_on_commit
from libraries.models import Library

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# A queued job not started after this long lost its task (the broker was down when the upload
# committed, or Redis lost it): the sweep queues it again.
QUEUED_GRACE = timedelta(minutes=2)
# A running job whose heartbeat (set at each batch of 200 records) is this old lost its worker.
STALLED_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
STALLED_MESSAGE = "The import stopped {attempts} times without finishing; upload the file again."


@transaction.atomic
def queue_import(
    *, upload: UploadedFile, library: Library | None, dry_run: bool, user
) -> ImportJob:
    """Store the upload and enqueue its import once the transaction commits."""
    job = ImportJob.objects.create(
        file=upload,
        original_name=upload.name[:255],
        library=library,
        dry_run=dry_run,
        created_by=user,
    )
    enqueue_on_commit("catalog.tasks.run_import", job_id=job.id)
    return job


def run_import_job(*, job_id: int) -> ImportJob:
    """Import the job's file (idempotent: a started or finished job is left alone).

    The job is claimed (queued → running) in one UPDATE: the broker hands a task that has run
    longer than its visibility timeout (a minute) to another worker while the first still runs,
    and an import must not run twice at once. A job whose worker died mid-import is run again
    by ``sweep_imports`` (an import is idempotent: records already in are matched, not doubled).
    """
    job = ImportJob.objects.select_related("library").get(pk=job_id)
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING,
        records_done=0,
        heartbeat_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        job.refresh_from_db()
        return job
    with job.file.open("rb") as fh:
        data = fh.read()
    total = data.count(b"<record") if detect_format(data) == "xml" else data.count(b"\x1d")
    ImportJob.objects.filter(pk=job.pk).update(records_total=total or None)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(records_done=done, heartbeat_at=timezone.now())

    try:
        report = import_marc(
            data=data, library=job.library, dry_run=job.dry_run, batch_size=200, progress=progress
        )
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            report={"fatal": f"{type(exc).__name__}: {exc}"},
            finished_at=timezone.now(),
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.FAILED if report.fatal else ImportJob.State.DONE,
        report=report.as_dict(),
        records_done=report.total,
        records_total=report.total,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def sweep_imports(*, now: datetime) -> dict[str, list[int]]:
    """Imports whose task or worker was lost (PostgreSQL is the truth, the broker only a
    messenger): a queued job older than ``QUEUED_GRACE`` is queued again; a running job whose
    heartbeat is older than ``STALLED_AFTER`` goes back to queued and is queued again, or fails
    with a clear report after ``MAX_ATTEMPTS`` claims. Each change is one conditional UPDATE, so
    a worker that is in fact alive and a second sweep never run one job twice at once."""
    stalled = Q(state=ImportJob.State.RUNNING) & (
        Q(heartbeat_at__lt=now - STALLED_AFTER)
        | Q(heartbeat_at__isnull=True, created_at__lt=now - STALLED_AFTER)
    )
    gave_up = []
    for job in ImportJob.objects.filter(stalled, attempts__gte=MAX_ATTEMPTS).only("attempts"):
        message = STALLED_MESSAGE.format(attempts=job.attempts)
        if ImportJob.objects.filter(stalled, pk=job.pk).update(
            state=ImportJob.State.FAILED,
            report={"fatal": message, "stalled": job.attempts},
            finished_at=now,
        ):
            gave_up.append(job.pk)
    requeued = []
    for job_id in ImportJob.objects.filter(stalled).values_list("pk", flat=True):
        if ImportJob.objects.filter(stalled, pk=job_id).update(state=ImportJob.State.QUEUED):
            requeued.append(job_id)
    waiting = list(
        ImportJob.objects.filter(
            state=ImportJob.State.QUEUED, created_at__lt=now - QUEUED_GRACE
        ).values_list("pk", flat=True)
    )
    for job_id in sorted(set(waiting) | set(requeued)):
        enqueue("catalog.tasks.run_import", job_id=job_id)
    return {"queued_again": sorted(set(waiting) | set(requeued)), "failed": gave_up}
