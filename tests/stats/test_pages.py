"""The statistics pages: who may see what, the period form, CSV/XLSX, population editing."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from libraries.models import StaffRole
from stats.models import Population
from tests.conftest import make_staff, staff_client
from tests.stats.conftest import lib

pytestmark = pytest.mark.django_db
Role = StaffRole.Role
MARCH = "start=2025-03-01&end=2025-03-31"
REPORTS = ["loans-per-inhabitant", "kb", "flows", "holds-transport", "collection"]


@pytest.fixture
def admin_kga(client):
    return staff_client(client, make_staff("admin-kga", ("KGA", Role.LIBRARY_ADMIN)), "KGA")


@pytest.fixture
def consortium(client, consortium_admin):
    return staff_client(client, consortium_admin)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/staff/statistics/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_desk_staff_and_cataloguers_may_not_see_statistics(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    assert desk.get("/staff/statistics/").status_code == 403
    assert desk.get("/staff/statistics/population/").status_code == 403
    client.force_login(make_staff("cat-kga", ("KGA", Role.CATALOGUER)))
    assert client.get("/staff/statistics/kb/").status_code == 403


@pytest.mark.parametrize("slug", REPORTS)
def test_every_report_renders_for_the_consortium_admin(consortium, history, slug):
    response = consortium.get(f"/staff/statistics/{slug}/?{MARCH}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and 'data-testid="report-table"' in page


def test_a_library_admin_sees_their_library_and_may_not_pick_another(admin_kga, history):
    page = admin_kga.get(f"/staff/statistics/kb/?{MARCH}").content.decode()
    assert '<th scope="row">KGA</th>' in page and '<th scope="row">STO</th>' not in page
    assert admin_kga.get(f"/staff/statistics/kb/?{MARCH}&library=").status_code == 400
    other = lib("STO").id
    assert admin_kga.get(f"/staff/statistics/kb/?{MARCH}&library={other}").status_code == 400


def test_the_consortium_admin_picks_one_library_or_all(consortium, history):
    page = consortium.get(f"/staff/statistics/kb/?{MARCH}&library={lib('STO').id}")
    assert '<th scope="row">KGA</th>' not in page.content.decode()
    page = consortium.get(f"/staff/statistics/kb/?{MARCH}&library=")
    assert '<th scope="row">KGA</th>' in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "start=2025-03-31&end=2025-03-01",
        "start=yesterday",
        "year=1700",
        "start=2010-01-01&end=2025-12-31",
    ],
)
def test_bad_parameters_are_a_400_with_the_form(consortium, query):
    response = consortium.get(f"/staff/statistics/flows/?{query}")
    assert response.status_code == 400
    assert 'data-testid="report-form"' in response.content.decode()


def test_unknown_report_is_404(consortium):
    assert consortium.get("/staff/statistics/nonsense/").status_code == 404


def test_csv_export(consortium, history):
    response = consortium.get(f"/staff/statistics/loans-per-inhabitant/?{MARCH}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    karlskoga = next(r for r in rows if r and r[0] == "Karlskoga")
    assert karlskoga[1:4] == ["2", "2", "4"]


def test_xlsx_export_has_a_sheet_per_table(consortium, history):
    response = consortium.get(f"/staff/statistics/flows/?{MARCH}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    sheet = book.worksheets[0]
    assert sheet.cell(row=2, column=1).value  # the column header row


# The user, the libraries, the rollups' watermark, then per report: the event sums (one each,
# rollups and raw events in one statement), populations / transfers / item counts.
STATEMENTS = {
    "loans-per-inhabitant": 6,
    "kb": 4,
    "flows": 6,
    "holds-transport": 7,
    "collection": 6,
    "population": 3,
}


@pytest.mark.parametrize(("slug", "count"), STATEMENTS.items())
def test_report_page_statement_counts(consortium, history, django_assert_num_queries, slug, count):
    consortium.get(f"/staff/statistics/{slug}/?{MARCH}")  # warm the session and roles
    with django_assert_num_queries(count):
        assert consortium.get(f"/staff/statistics/{slug}/?{MARCH}").status_code == 200


def test_a_library_admin_sets_the_population_of_their_library_only(admin_kga):
    response = admin_kga.post(
        "/staff/statistics/population/",
        {"library": lib("KGA").id, "year": 2025, "inhabitants": 30600},
    )
    assert response.status_code == 302
    assert Population.objects.get(library=lib("KGA"), year=2025).inhabitants == 30600
    response = admin_kga.post(
        "/staff/statistics/population/", {"library": lib("STO").id, "year": 2025, "inhabitants": 1}
    )
    assert response.status_code == 400
    assert not Population.objects.filter(library=lib("STO")).exists()
    response = admin_kga.post(
        "/staff/statistics/population/", {"library": lib("KGA").id, "year": 2025, "inhabitants": -5}
    )
    assert response.status_code == 400
    assert Population.objects.get(library=lib("KGA"), year=2025).inhabitants == 30600


def test_the_consortium_admin_sets_any_population(consortium):
    response = consortium.post(
        "/staff/statistics/population/",
        {"library": lib("STO").id, "year": 2024, "inhabitants": 4100},
    )
    assert response.status_code == 302
    page = consortium.get("/staff/statistics/population/").content.decode()
    assert "4100" in page.replace("\xa0", "").replace(" ", "")
