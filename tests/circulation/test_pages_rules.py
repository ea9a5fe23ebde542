"""The rule editor: the matrix with sources, editing a cell (override, fall back on clear),
who may edit which scope (403 and no edit controls), the change log, the rule tester."""

from __future__ import annotations

import pytest

from catalog.models import ItemType
from circulation.models import LoanRule, LoanRuleChange
from circulation.rules import RULE_FIELDS
from libraries.models import Library
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, PatronFactory
from tests.conftest import staff_client
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = pytest.mark.django_db

EMPTY = {
    "loan_period_days": "",
    "max_renewals": "",
    "max_loans_of_type": "",
    "max_loans_total": "",
    "fine_per_day": "",
    "fine_cap": "",
    "grace_days": "",
    "holdable": "",
    "hold_pickup_days": "",
    "renew_when_others_wait": "",
}


@pytest.fixture
def sto_admin(client, admin_storfors):
    return staff_client(client, admin_storfors, "STO")


def test_the_matrix_shows_common_values_and_marks_local_ones(sto_admin):
    LoanRule.objects.create(
        library=Library.objects.get(code="STO"),
        item_type=ItemType.objects.get(code="DVD"),
        loan_period_days=7,
    )
    page = sto_admin.get("/staff/rules/STO/?field=loan_period_days").content.decode()
    dvd_cell = page.split('data-testid="cell-ADULT-DVD"')[1].split("</td>")[0]
    book_cell = page.split('data-testid="cell-ADULT-BOOK"')[1].split("</td>")[0]
    assert ">7<" in dvd_cell and "badge ok" in dvd_cell
    assert ">28<" in book_cell and "badge ok" not in book_cell
    any_dvd = page.split('data-testid="cell-any-DVD"')[1].split("</td>")[0]
    assert "<strong>7</strong>" in any_dvd  # set in exactly this cell


def test_all_fields_view_lists_every_field(sto_admin):
    page = sto_admin.get("/staff/rules/STO/?field=all").content.decode()
    cell = page.split('data-testid="cell-CHILD-BOOK"')[1].split("</td>")[0]
    assert cell.count("<li") == len(RULE_FIELDS)


def test_editing_a_cell_creates_the_library_override_and_logs_it(sto_admin, admin_storfors):
    url = "/staff/rules/STO/ADULT/DVD/"
    response = sto_admin.post(url, {**EMPTY, "loan_period_days": "14", "holdable": "false"})
    assert response.status_code == 302
    rule = LoanRule.objects.get(
        library__code="STO", patron_category__code="ADULT", item_type__code="DVD"
    )
    assert rule.loan_period_days == 14 and rule.holdable is False
    assert rule.max_renewals is None  # not set here: falls back
    changes = {c.field: c for c in LoanRuleChange.objects.all()}
    assert set(changes) == {"loan_period_days", "holdable"}
    assert changes["loan_period_days"].changed_by == admin_storfors
    assert changes["loan_period_days"].old_value == ""
    assert changes["loan_period_days"].new_value == "14"

    page = sto_admin.get(url).content.decode()
    effective = page.split('data-testid="effective-loan_period_days"')[1].split("</tr>")[0]
    assert "14" in effective
    assert 'data-testid="rule-change"' in page


def test_clearing_the_last_field_falls_back_and_removes_the_override(sto_admin):
    url = "/staff/rules/STO/ADULT/DVD/"
    sto_admin.post(url, {**EMPTY, "loan_period_days": "14"})
    sto_admin.post(url, EMPTY)
    assert not LoanRule.objects.filter(library__code="STO").exists()
    page = sto_admin.get(url).content.decode()
    effective = page.split('data-testid="effective-loan_period_days"')[1].split("</tr>")[0]
    assert "28" in effective
    log = list(LoanRuleChange.objects.values_list("old_value", "new_value"))
    assert log == [("14", ""), ("", "14")]


def test_bad_input_is_refused_and_writes_nothing(sto_admin):
    response = sto_admin.post("/staff/rules/STO/ADULT/DVD/", {**EMPTY, "loan_period_days": "-3"})
    assert response.status_code == 400
    assert not LoanRule.objects.filter(library__code="STO").exists()
    assert not LoanRuleChange.objects.exists()


def test_a_storfors_admin_cannot_edit_karlskogas_rules(sto_admin):
    page = sto_admin.get("/staff/rules/KGA/ADULT/DVD/").content.decode()
    assert 'data-testid="rule-form"' not in page and 'data-testid="read-only"' in page
    matrix = sto_admin.get("/staff/rules/KGA/").content.decode()
    assert 'data-testid="read-only"' in matrix
    response = sto_admin.post("/staff/rules/KGA/ADULT/DVD/", {**EMPTY, "loan_period_days": "1"})
    assert response.status_code == 403
    assert not LoanRule.objects.filter(library__code="KGA").exists()


def test_only_consortium_admins_edit_the_common_rules(sto_admin, client, consortium_admin):
    assert sto_admin.post("/staff/rules/common/any/DVD/", EMPTY).status_code == 403
    admin = staff_client(client, consortium_admin, "KGA")
    response = admin.post("/staff/rules/common/any/DVD/", {**EMPTY, "loan_period_days": "10"})
    assert response.status_code == 302
    assert LoanRule.objects.get(library=None, item_type__code="DVD").loan_period_days == 10
    # ... and any library's.
    response = admin.post("/staff/rules/KGA/any/any/", {**EMPTY, "grace_days": "2"})
    assert response.status_code == 302


def test_the_common_default_rule_cannot_lose_a_field(client, consortium_admin):
    admin = staff_client(client, consortium_admin, "KGA")
    response = admin.post("/staff/rules/common/any/any/", EMPTY)
    assert response.status_code == 400
    assert LoanRule.objects.get(library=None, patron_category=None, item_type=None).loan_period_days


def test_desk_staff_see_the_rules_without_edit_controls(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    assert 'data-testid="read-only"' in desk.get("/staff/rules/KGA/").content.decode()
    assert desk.post("/staff/rules/KGA/ADULT/DVD/", EMPTY).status_code == 403


def test_the_change_log_shows_who_when_old_and_new(sto_admin):
    sto_admin.post("/staff/rules/STO/any/DVD/", {**EMPTY, "fine_per_day": "2,50"})
    page = sto_admin.get("/staff/rules/log/?scope=STO").content.decode()
    assert page.count('data-testid="rule-change"') == 1
    assert "Admin_Sto" in page and "2,50" in page


def test_the_tester_shows_each_field_with_its_source(sto_admin):
    LoanRule.objects.create(
        library=Library.objects.get(code="STO"),
        item_type=ItemType.objects.get(code="DVD"),
        loan_period_days=7,
    )
    response = sto_admin.post(
        "/staff/rules/test/",
        {
            "library": Library.objects.get(code="STO").pk,
            "category": PatronCategory.objects.get(code="CHILD").pk,
            "item_type": ItemType.objects.get(code="DVD").pk,
        },
    )
    page = response.content.decode()
    period = page.split('data-testid="tested-loan_period_days"')[1].split("</tr>")[0]
    assert ">7<" in period and "<td>3</td>" in period  # step 3: library, any category, this type
    fine = page.split('data-testid="tested-fine_per_day"')[1].split("</tr>")[0]
    assert "0,00" in fine and "<td>6</td>" in fine  # children: the common per-category rule
    legend = page.split('data-testid="step-legend"')[1].split("</section>")[0]
    assert legend.count("<li ") == 8 and "Bibliotek, denna kategori, denna medietyp" in legend


def test_the_tester_takes_a_real_card_and_barcode(sto_admin):
    patron = PatronFactory()
    item = ItemFactory(item_type=ItemType.objects.get(code="DVD"))
    LoanRule.objects.create(
        library=Library.objects.get(code="STO"),
        item_type=ItemType.objects.get(code="DVD"),
        loan_period_days=7,
    )
    page = sto_admin.post(
        "/staff/rules/test/",
        {"card": patron.cards.get().number, "barcode": item.barcode},
    ).content.decode()
    assert 'data-testid="tester-answer"' in page
    assert item.record.title in page
    period = page.split('data-testid="tested-loan_period_days"')[1].split("</tr>")[0]
    assert ">7<" in period  # the loan would be made at Storfors, whose DVD rule applies


def test_the_tester_says_when_the_card_is_unknown(sto_admin):
    page = sto_admin.post("/staff/rules/test/", {"card": "x", "barcode": "y"}).content.decode()
    assert 'data-testid="tester-answer"' not in page
    assert "errorlist" in page
