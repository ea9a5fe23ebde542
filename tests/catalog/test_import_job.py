"""A MARC import uploaded on the staff page runs as a real Celery job with progress."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import ImportJob, Item, Record
from tests.catalog.marcdata import LIBRIS, LOC_SWEDISH
from tests.conftest import staff_client


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_upload_runs_in_the_worker_and_reports(client, celery_worker_process, cataloguer_karlskoga):
    staff_client(client, cataloguer_karlskoga, "KGA")
    upload = SimpleUploadedFile("libris.xml", (LIBRIS / "batch15.xml").read_bytes())
    response = client.post("/staff/catalog/import/", {"file": upload, "all_copies_here": "on"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
            break
        time.sleep(0.3)
    assert job.state == ImportJob.State.DONE, job.report
    assert job.report["created"] == 1 and job.report["items_added"] == 3
    assert Record.objects.get().control_number == "20203738"
    assert set(Item.objects.values_list("home_library__code", flat=True)) == {"KGA"}

    fragment = client.get(f"/staff/catalog/import/{job.id}/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and 'data-state="done"' in html
    assert 'data-testid="items">3<' in html


@pytest.mark.django_db
def test_job_runner_is_idempotent_and_records_progress(cataloguer_karlskoga, libraries):
    from catalog.jobs import run_import_job

    job = ImportJob.objects.create(
        file=SimpleUploadedFile("loc.mrc", LOC_SWEDISH.read_bytes()),
        original_name="loc.mrc",
        library=libraries["DEG"],
    )
    run_import_job(job_id=job.id)
    job.refresh_from_db()
    assert (job.state, job.records_done, job.records_total, job.percent) == ("done", 855, 855, 100)
    run_import_job(job_id=job.id)  # a re-delivered task changes nothing
    assert Record.objects.count() == 855


@pytest.mark.django_db
def test_broken_upload_gives_a_failed_job_with_a_clear_report(libraries):
    from catalog.jobs import run_import_job

    job = ImportJob.objects.create(
        file=SimpleUploadedFile("empty.mrc", b""), original_name="empty.mrc"
    )
    run_import_job(job_id=job.id)
    job.refresh_from_db()
    assert job.state == "failed" and job.report["fatal"]
    assert Record.objects.count() == 0


@pytest.mark.django_db
def test_a_job_already_running_is_not_imported_a_second_time(libraries):
    """The broker re-delivers a task running past its visibility timeout: the copy stops."""
    from catalog.jobs import run_import_job

    job = ImportJob.objects.create(
        file=SimpleUploadedFile("loc.mrc", LOC_SWEDISH.read_bytes()),
        original_name="loc.mrc",
        state=ImportJob.State.RUNNING,
    )
    assert run_import_job(job_id=job.id).state == "running"
    assert Record.objects.count() == 0


# --- Lost tasks and lost workers: the sweep ------------------------------------------------


def _job(**fields) -> ImportJob:
    job = ImportJob.objects.create(
        file=SimpleUploadedFile("loc.mrc", LOC_SWEDISH.read_bytes()), original_name="loc.mrc"
    )
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_sweep_requeues_lost_tasks_and_stalled_workers_and_leaves_live_ones(libraries):
    from datetime import timedelta

    from django.utils import timezone

    from catalog import jobs

    now = timezone.now()
    lost_task = _job(created_at=now - timedelta(minutes=3))
    just_uploaded = _job()  # its task is probably on its way
    dead_worker = _job(
        state="running", attempts=1, heartbeat_at=now - timedelta(minutes=11), records_done=400
    )
    live_worker = _job(state="running", attempts=1, heartbeat_at=now - timedelta(minutes=1))
    finished = _job(state="done", created_at=now - timedelta(hours=1))

    report = jobs.sweep_imports(now=now)

    assert report == {"queued_again": sorted([lost_task.pk, dead_worker.pk]), "failed": []}
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states[dead_worker.pk] == "queued"
    assert states[live_worker.pk] == "running" and states[just_uploaded.pk] == "queued"
    assert states[finished.pk] == "done"


@pytest.mark.django_db
def test_sweep_gives_up_after_three_attempts_with_a_clear_report(client, cataloguer_karlskoga):
    from datetime import timedelta

    from django.utils import timezone

    from catalog import jobs

    now = timezone.now()
    job = _job(state="running", attempts=3, heartbeat_at=now - timedelta(minutes=30))
    assert jobs.sweep_imports(now=now) == {"queued_again": [], "failed": [job.pk]}
    job.refresh_from_db()
    assert job.state == "failed" and job.report["stalled"] == 3 and job.finished_at == now
    staff_client(client, cataloguer_karlskoga, "KGA")
    html = client.get(f"/staff/catalog/import/{job.id}/").content.decode()
    assert "Importen avbröts 3 gånger utan att bli klar; ladda upp filen igen." in html


@pytest.mark.django_db
def test_a_requeued_job_runs_again_without_doubling_what_the_first_worker_wrote(libraries):
    """The worker died after part of the file: the second run matches what is in already."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog import jobs

    job = _job(library=libraries["DEG"])
    jobs.run_import_job(job_id=job.id)  # the first worker got all the way, then "died"
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", heartbeat_at=timezone.now() - timedelta(minutes=20)
    )
    records, items = Record.objects.count(), Item.objects.count()
    jobs.sweep_imports(now=timezone.now())
    jobs.run_import_job(job_id=job.id)
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2
    assert (Record.objects.count(), Item.objects.count()) == (records, items)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_lost_import_task_is_run_by_the_sweep_in_the_worker(celery_worker_process, libraries):
    """The upload committed but its task never reached the broker: the beat sweep (run here as
    the real task through the broker) gets the job done."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog import tasks

    job = _job(created_at=timezone.now() - timedelta(minutes=5), library=libraries["DEG"])
    tasks.sweep_imports.delay()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
            break
        time.sleep(0.3)
    assert job.state == ImportJob.State.DONE, job.report
    assert Record.objects.count() == 855 and job.attempts == 1
