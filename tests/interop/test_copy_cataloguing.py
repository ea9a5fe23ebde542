"""Copy cataloguing over SRU: the external catalogue is our own /sru served by a second
process on a second database (as LIBRIS would be), loaded with real LIBRIS records."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from catalog.models import Item, Record
from libraries.models import StaffRole
from tests.conftest import ROOT, make_staff, staff_client

DATA = Path(__file__).resolve().parent.parent / "data" / "marc"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def remote_sru(django_db_blocker):
    """A second Gränslös on its own database, holding LIBRIS and LoC records; its /sru URL."""
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    name = f"{params['dbname']}_remote"
    server = {k: params[k] for k in ("host", "port", "user") if params.get(k)}
    admin = psycopg.connect(dbname="postgres", autocommit=True, **server)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params.get("password") else ""
    host = f"{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}"
    url = f"postgresql://{params.get('user', 'postgres')}{password}@{host}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    load = (
        "from pathlib import Path\n"
        "from catalog.importer import import_marc\n"
        "from libraries.models import Library\n"
        "kga = Library.objects.get(code='KGA')\n"
        f"data = Path({str(DATA)!r})\n"
        "for path in [*sorted((data / 'libris').glob('batch*.xml')), data / 'loc-swedish.mrc']:\n"
        "    import_marc(data=path.read_bytes(), library=kga)\n"
    )
    subprocess.run([*manage, "shell", "-c", load], env=env, check=True, cwd=ROOT)
    port = _free_port()
    proc = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/sru"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}?version=1.2&operation=explain", timeout=2)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the remote SRU server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def cataloguer(client, db, settings, remote_sru):
    settings.COPY_CATALOGUING_SRU_URL = remote_sru
    user = make_staff("cat_copy", ("KGA", StaffRole.Role.CATALOGUER))
    return staff_client(client, user, "KGA")


def _first_hit_preview(client, q: str, index: str = "any") -> str:
    response = client.get("/staff/catalog/copy/", {"q": q, "index": index})
    assert response.status_code == 200
    hits = response.context["hits"]
    assert hits, response.content.decode()[:2000]
    return hits[0]["preview"]


def test_search_preview_and_copy_creates_record_and_item(cataloguer):
    client = cataloguer
    response = client.get("/staff/catalog/copy/", {"q": "strindberg", "index": "author"})
    assert response.status_code == 200
    assert response.context["answer"].total >= 2
    assert "Strindberg" in response.content.decode()
    preview_url = _first_hit_preview(client, "strindberg", "author")
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert "245" in preview.context["marc"]
    title = preview.context["data"].title
    assert preview.context["match"] is None
    digest = preview.context["form"].initial["digest"]
    before = Record.objects.count()
    response = client.post(
        preview_url,
        {"digest": digest, "barcode": "4400000001", "item_type": _book_id(), "call_number": "Hc"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Record.objects.get(title=title)
    assert Record.objects.count() == before + 1
    item = Item.objects.get(barcode="4400000001")
    assert item.record == record and item.home_library.code == "KGA"
    assert record.library_ids == [item.home_library_id]
    # The same record again: matched, not copied twice; the new copy joins it.
    again = client.get(preview_url)
    assert again.context["match"].record_key == record.id
    response = client.post(
        preview_url,
        {"digest": digest, "barcode": "4400000002", "item_type": _book_id()},
    )
    assert response.status_code == 302
    assert Record.objects.count() == before + 1
    assert record.items.count() == 2


def test_isbn_search_finds_the_libris_record(cataloguer):
    from catalog import marc

    read = marc.read_records((DATA / "libris" / "batch0.xml").read_bytes())
    isbn = next(i for r in read if r.record for i in marc.extract(r.record).isbns)
    response = cataloguer.get("/staff/catalog/copy/", {"q": isbn, "index": "isbn"})
    assert response.context["answer"].total == 1


def test_changed_record_and_duplicate_barcode_are_refused(cataloguer):
    preview_url = _first_hit_preview(cataloguer, "strindberg", "author")
    response = cataloguer.post(
        preview_url, {"digest": "0" * 64, "barcode": "4400000009", "item_type": _book_id()}
    )
    assert response.status_code == 400
    assert not Item.objects.filter(barcode="4400000009").exists()
    digest = cataloguer.get(preview_url).context["form"].initial["digest"]
    from tests.catalog.factories import ItemFactory

    ItemFactory(barcode="4400000010")
    before = Record.objects.count()
    response = cataloguer.post(
        preview_url, {"digest": digest, "barcode": "4400000010", "item_type": _book_id()}
    )
    assert response.status_code == 400
    assert Record.objects.count() == before  # nothing half-written: no record without its item


def test_unreachable_target_is_a_clear_message(client, db, settings):
    settings.COPY_CATALOGUING_SRU_URL = f"http://127.0.0.1:{_free_port()}/sru"
    settings.LANGUAGE_CODE = "sv"
    user = make_staff("cat_copy2", ("KGA", StaffRole.Role.CATALOGUER))
    client = staff_client(client, user, "KGA")
    response = client.get("/staff/catalog/copy/", {"q": "x"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert response.context["problem"]


def test_roles(client, db, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert client.get("/staff/catalog/copy/").status_code == 403
    client.logout()
    assert client.get("/staff/catalog/copy/").status_code == 302  # to the login page


def _book_id() -> int:
    from catalog.models import ItemType

    return ItemType.objects.get(code="BOOK").id
