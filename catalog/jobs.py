"""MARC imports as background jobs: queue an uploaded file, run it, keep progress for the page."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from catalog.importer import import_marc
from catalog.marc import detect_format
from catalog.models import ImportJob
from libraries.enqueue import enqueue_on_commit
from libraries.models import Library

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


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
    and an import must not run twice at once. A job whose worker died mid-import stays
    "running"; staff upload the file again.
    """
    job = ImportJob.objects.select_related("library").get(pk=job_id)
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, records_done=0
    )
    if not claimed:
        job.refresh_from_db()
        return job
    with job.file.open("rb") as fh:
        data = fh.read()
    total = data.count(b"<record") if detect_format(data) == "xml" else data.count(b"\x1d")
    ImportJob.objects.filter(pk=job.pk).update(records_total=total or None)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(records_done=done)

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
