"""The collection pages: who may use them, the weeding flow through the pages, criteria, the
agenda on the start page, and lists in the OPAC (availability, PDF, feeds, privacy)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from collection import services
from collection.models import (
    ReadingList,
    WeedingCandidate,
    WeedingCriteria,
    WeedingList,
    WeedingRound,
)
from libraries.models import Library, StaffRole
from patrons.services import set_pin
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory
from tests.conftest import make_staff, staff_client

pytestmark = pytest.mark.django_db


def lib(code):
    return Library.objects.get(code=code)


@pytest.fixture
def cataloguer(client):
    return staff_client(client, make_staff("cat", ("KGA", StaffRole.Role.CATALOGUER)), "KGA")


@pytest.fixture
def old_copy():
    record = RecordFactory(title="Gammal bok")
    return ItemFactory(
        record=record,
        barcode="P1",
        last_borrowed_at=timezone.now() - timedelta(days=4 * 365),
        acquired_on=(timezone.now() - timedelta(days=10 * 365)).date(),
    )


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        ((("KGA", StaffRole.Role.CATALOGUER),), 200),
        ((("KGA", StaffRole.Role.LIBRARY_ADMIN),), 200),
        ((("KGA", StaffRole.Role.DESK),), 403),
        ((("DEG", StaffRole.Role.CATALOGUER),), 302),  # KGA is not among its libraries: pick one
    ],
)
def test_who_may_use_the_weeding_pages(client, roles, status):
    user = make_staff("someone", *roles)
    client.force_login(user)
    session = client.session
    session["working_library_id"] = lib("KGA").id
    session.save()
    assert client.get("/staff/collection/").status_code == status
    assert client.get("/staff/collection/report/").status_code == status


def test_anonymous_goes_to_login(client):
    assert client.get("/staff/collection/").status_code == 302


def test_weeding_flow_through_the_pages(cataloguer, old_copy):
    client = cataloguer
    today = timezone.localdate()
    response = client.post(
        "/staff/collection/rounds/new/",
        {"section": "Vuxen skönlitteratur", "planned_on": today.isoformat()},
    )
    assert response.status_code == 302
    round_ = WeedingRound.objects.get()
    home = client.get("/staff/")
    assert "Vuxen skönlitteratur" in home.content.decode()  # due today: on the start page
    response = client.post("/staff/collection/lists/new/", {"weeding_round": round_.pk})
    assert response.status_code == 302
    wl = WeedingList.objects.get()
    services.build_list(wl.pk)  # what the Celery job does (tested with a worker elsewhere)
    progress = client.get(f"/staff/collection/lists/{wl.pk}/?progress=1", HTTP_HX_REQUEST="true")
    assert 'data-state="ready"' in progress.content.decode()
    page = client.get(f"/staff/collection/lists/{wl.pk}/")
    assert "Gammal bok" in page.content.decode()
    candidate = WeedingCandidate.objects.get()
    assert candidate.last_copy
    # htmx: a last copy cannot be weeded without a reason; the row says why.
    refused = client.post(
        f"/staff/collection/candidates/{candidate.pk}/",
        {"decision": "weed"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    ok = client.post(
        f"/staff/collection/candidates/{candidate.pk}/",
        {"decision": "weed", "override_reason": "Trasig"},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    response = client.post(f"/staff/collection/lists/{wl.pk}/execute/")
    assert response.status_code == 302
    old_copy.refresh_from_db()
    assert old_copy.status == "withdrawn"
    round_.refresh_from_db()
    assert round_.finished_at is not None and round_.weeded == 1
    report = client.get("/staff/collection/report/")
    assert "Karlskoga" in report.content.decode()


def test_other_librarys_list_is_refused(client, old_copy):
    wl = services.start_list(library=lib("KGA"), staff=None, now=timezone.now())
    staff_client(client, make_staff("deg", ("DEG", StaffRole.Role.CATALOGUER)), "DEG")
    assert client.get(f"/staff/collection/lists/{wl.pk}/").status_code == 403
    assert client.post(f"/staff/collection/lists/{wl.pk}/execute/").status_code == 403


def test_criteria_editing_rights(client):
    staff_client(client, make_staff("cat2", ("KGA", StaffRole.Role.CATALOGUER)), "KGA")
    assert client.get("/staff/collection/criteria/").status_code == 403
    staff_client(client, make_staff("adm", ("KGA", StaffRole.Role.LIBRARY_ADMIN)), "KGA")
    assert client.get("/staff/collection/criteria/?common=1").status_code == 403
    response = client.post("/staff/collection/criteria/", {"not_borrowed_years": "5"})
    assert response.status_code == 302
    assert WeedingCriteria.objects.get(library=lib("KGA")).not_borrowed_years == 5
    staff_client(client, make_staff("cons", (None, StaffRole.Role.CONSORTIUM_ADMIN)), "KGA")
    response = client.post(
        "/staff/collection/criteria/", {"common": "1", "not_borrowed_years": "4"}
    )
    assert response.status_code == 302
    assert WeedingCriteria.objects.get(library__isnull=True).not_borrowed_years == 4


def test_staff_list_to_opac_pdf_and_feeds(client, cataloguer):
    record = RecordFactory(
        title="Mio, min Mio", authors=["Lindgren, Astrid"], isbns=["9789129688313"]
    )
    ItemFactory(record=record, barcode="L1")
    response = cataloguer.post(
        "/staff/collection/reading-lists/", {"title": "Sommarläsning", "kind": "manual"}
    )
    rl = ReadingList.objects.get()
    assert response.status_code == 302
    cataloguer.post(
        f"/staff/collection/reading-lists/{rl.pk}/",
        {"action": "add", "record": "978-91-29-68831-3", "note": "En klassiker"},
    )
    assert rl.entries.get().record == record
    client = cataloguer
    client.logout()
    assert client.get(f"/listor/{rl.pk}/").status_code == 404  # not published yet
    staff_client(client, make_staff("cat3", ("KGA", StaffRole.Role.CATALOGUER)), "KGA")
    client.post(f"/staff/collection/reading-lists/{rl.pk}/", {"action": "publish", "public": "1"})
    client.logout()
    page = client.get(f"/listor/{rl.pk}/")
    text = page.content.decode()
    assert "Mio, min Mio" in text and "En klassiker" in text and "Karlskoga" in text
    assert "Sommarläsning" in client.get("/listor/").content.decode()
    pdf = client.get(f"/listor/{rl.pk}/utskrift.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert "Sommarläsning" in pages[0].extract_text() and "Mio, min Mio" in pages[0].extract_text()
    rss = ET.fromstring(client.get(f"/listor/{rl.pk}/rss/").content)
    assert rss.find("channel/item/title").text == "Mio, min Mio"
    atom = ET.fromstring(client.get(f"/listor/{rl.pk}/atom/").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.find("a:entry/a:title", ns).text == "Mio, min Mio"


def test_new_acquisitions_list(cataloguer):
    fresh = RecordFactory(title="Ny bok")
    ItemFactory(record=fresh, barcode="N1", acquired_on=timezone.localdate())
    ItemFactory(
        record=RecordFactory(title="Gammal"),
        barcode="N2",
        acquired_on=timezone.localdate() - timedelta(days=90),
    )
    ItemFactory(
        record=RecordFactory(title="Annan ort"),
        barcode="N3",
        home_library=lib("DEG"),
        current_library=lib("DEG"),
        acquired_on=timezone.localdate(),
    )
    cataloguer.post(
        "/staff/collection/reading-lists/", {"title": "Nytt i Karlskoga", "kind": "new"}
    )
    rl = ReadingList.objects.get()
    page = cataloguer.get(f"/staff/collection/reading-lists/{rl.pk}/").content.decode()
    assert "Ny bok" in page and "Gammal" not in page and "Annan ort" not in page


def test_patron_lists_are_private_by_default(client):
    record = RecordFactory(title="Min favorit")
    ItemFactory(record=record, barcode="M1")
    me = PatronFactory()
    set_pin(patron=me, pin="2468")
    client.post("/konto/logga-in/", {"card_number": me.cards.get().number, "pin": "2468"})
    client.post("/konto/listor/", {"title": "Att läsa"})
    rl = ReadingList.objects.get(patron=me)
    assert not rl.public
    page = client.get(f"/post/{record.pk}/").content.decode()
    assert "Att läsa" in page  # the save button
    client.post(f"/konto/listor/{rl.pk}/", {"action": "add", "record_id": record.pk})
    assert rl.entries.get().record == record
    assert "Min favorit" in client.get(f"/listor/{rl.pk}/").content.decode()
    client.post("/konto/logga-ut/")
    assert client.get(f"/listor/{rl.pk}/").status_code == 404
    assert client.get(f"/listor/{rl.pk}/utskrift.pdf").status_code == 404
    assert client.get(f"/listor/{rl.pk}/rss/").status_code == 404
    other = PatronFactory()
    set_pin(patron=other, pin="2468")
    client.post("/konto/logga-in/", {"card_number": other.cards.get().number, "pin": "2468"})
    assert (
        client.post(f"/konto/listor/{rl.pk}/", {"action": "publish", "public": "1"}).status_code
        == 404
    )
