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
