"""The reports' figures, checked against the hand-counted history in conftest."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from stats import reports, services
from stats.selectors import ALL, Scope
from tests.stats.conftest import lib

pytestmark = pytest.mark.django_db
MARCH = reports.Period(date(2025, 3, 1), date(2025, 3, 31))


def rows_by_first(table):
    return {row[0]: row[1:] for row in table.rows}


def test_loans_per_inhabitant_matches_the_hand_computed_figure(history):
    services.set_population(library=lib("KGA"), year=2025, inhabitants=4)
    services.set_population(library=lib("KHM"), year=2025, inhabitants=10)
    [table] = reports.loans_per_inhabitant(MARCH, ALL).tables
    rows = rows_by_first(table)
    # Karlskoga: 2 checkouts + 2 renewals = 4 loans / 4 inhabitants.
    assert rows["Karlskoga"] == [2, 2, 4, 4, 1.0]
    # Kristinehamn: its own checkout + the book bus's (registered there) = 2 / 10.
    assert rows["Kristinehamn"] == [2, 0, 2, 10, 0.2]
    # Storfors: 1 checkout; no edited figure, so the library's population (4 000).
    assert rows["Storfors"] == [1, 0, 1, 4000, 0.0]


def test_loans_per_inhabitant_for_one_library_shows_its_municipality_only(history):
    [table] = reports.loans_per_inhabitant(MARCH, Scope((lib("KHM").id,))).tables
    assert [row[0] for row in table.rows] == ["Kristinehamn"]
    assert table.rows[0][3] == 2  # the book bus's loan too


def test_kb_splits_initial_loans_and_renewals_by_childrens_and_adults_media(history):
    summary, detail = reports.kb_survey(MARCH, ALL).tables
    rows = rows_by_first(summary)
    # KGA: initial loans 1 children's + 1 adults'; renewals 1 + 1.
    assert rows["KGA"] == [1, 1, 1, 1, 4]
    assert rows["STO"] == [1, 0, 0, 0, 1]
    assert any(r[0] == "BUS" and r[1] == "DVD/Blu-ray" for r in detail.rows)


def test_flow_matrices(history):
    owning, municipal, transfers = reports.flows(MARCH, ALL).tables
    codes = owning.columns[1:-1]
    rows = rows_by_first(owning)
    # STO's children's book was lent once at KGA and once at STO.
    assert rows["STO"][codes.index("KGA")] == 1 and rows["STO"][codes.index("STO")] == 1
    assert owning.rows[-1][-1] == 5
    home = rows_by_first(municipal)
    assert home["Storfors"][codes.index("KGA")] == 1
    assert home["Karlskoga"][codes.index("BUS")] == 1
    assert transfers.rows[-1][-1] == 0


def test_hold_wait_and_transit_time(history):
    holds, transit, daily = reports.holds_and_transport(MARCH, ALL).tables
    assert holds.rows == [["KGA", 1, 1, 2.0]]
    assert transit.rows == [["KHM → KGA", 1, 1.5]]
    assert len(daily.rows) == 31


def test_turnover_and_items_never_borrowed(history):
    now = datetime(2025, 4, 1, tzinfo=ZoneInfo("Europe/Stockholm"))
    turnover, idle = reports.collection_use(MARCH, ALL, years=2, now=now).tables
    by_library = {row[0]: row for row in turnover.rows}
    # KGA owns one book, lent once in March: one loan per item.
    assert by_library["KGA"][2:] == [1, 1, 1.0]
    # STO's item was lent twice.
    assert by_library["STO"][2:] == [1, 2, 2.0]
    assert len(idle.rows) == 3  # the factories' items are new: none idle for two years
    assert all(row[3] == 0 for row in idle.rows)


def test_a_library_scope_hides_other_libraries(history):
    owning, _municipal, _transfers = reports.flows(MARCH, Scope((lib("STO").id,))).tables
    assert owning.rows[-1][-1] == 2  # only loans of STO's item or made at STO
