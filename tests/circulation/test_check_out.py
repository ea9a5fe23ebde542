"""Check out: every refusal, overrides, whose rules, limits across the consortium."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from catalog.models import Item, ItemType
from circulation import services
from circulation.models import Loan, LoanRule, OverrideLog
from circulation.refusals import CheckoutRefused
from circulation.services import check_out
from libraries.models import CalendarException, ConsortiumSettings
from patrons.models import Card, PatronBlock
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory

pytestmark = pytest.mark.django_db


def lend(patron, item, library, staff=None, **kwargs):
    return check_out(
        card_number=patron.cards.get().number,
        barcode=item.barcode,
        library=library,
        staff=staff,
        **kwargs,
    )


def refusal(patron, item, library, now, **kwargs) -> CheckoutRefused:
    with pytest.raises(CheckoutRefused) as err:
        lend(patron, item, library, now=now, **kwargs)
    return err.value


def test_checkout_makes_a_loan_due_in_28_days_at_end_of_day(
    adult_patron, book, kga, desk_staff_karlskoga, now
):
    loan = lend(adult_patron, book, kga, desk_staff_karlskoga, now=now)
    assert loan.patron == adult_patron
    assert loan.checkout_library == kga == loan.rules_library
    assert loan.due_at == services.duedates.end_of_day(date(2025, 4, 9), services.STOCKHOLM)
    book.refresh_from_db()
    assert book.status == Item.Status.ON_LOAN
    assert book.loan_count == 1
    assert book.last_borrowed_at == now
    adult_patron.refresh_from_db()
    assert adult_patron.last_activity_at == now


def test_checkout_by_patron_without_card_number(adult_patron, book, kga, now):
    loan = check_out(patron=adult_patron, barcode=book.barcode, library=kga, staff=None, now=now)
    assert loan.item == book


def test_due_date_skips_a_day_the_library_is_closed(adult_patron, book, kga, now):
    CalendarException.objects.create(library=kga, date=date(2025, 4, 9), is_open=False)
    loan = lend(adult_patron, book, kga, now=now)
    assert loan.due_at.astimezone(services.STOCKHOLM).date() == date(2025, 4, 10)


@pytest.mark.parametrize(
    ("card", "barcode", "reason"),
    [("NOPE", None, "unknown_card"), (None, "NOPE", "unknown_item"), ("", None, "unknown_card")],
)
def test_unknown_card_or_item_is_refused(adult_patron, book, kga, now, card, barcode, reason):
    with pytest.raises(CheckoutRefused) as err:
        check_out(
            card_number=adult_patron.cards.get().number if card is None else card,
            barcode=book.barcode if barcode is None else barcode,
            library=kga,
            staff=None,
            now=now,
        )
    assert err.value.reason == reason


def test_item_already_on_loan_is_refused_so_the_desk_can_check_it_in(adult_patron, kga, now):
    loan = LoanFactory()
    err = refusal(adult_patron, loan.item, kga, now)
    assert err.reason == "already_on_loan"
    assert not err.overridable
    card = loan.patron.cards.get().number
    initials = f"{loan.patron.first_name[0]}.{loan.patron.last_name[0]}."
    assert err.details == {
        "loan": loan.pk,
        "due": loan.due_at.date().isoformat(),
        "holder": f"{card[-4:]} {initials}",
    }
    assert f"{card[-4:]} {initials}" in str(err.message)


def test_item_on_loan_to_the_same_patron_is_refused_with_a_renewal_hint(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron)
    err = refusal(adult_patron, loan.item, kga, now)
    assert (err.reason, err.overridable, err.details["loan"]) == (
        "on_loan_to_this_patron",
        False,
        loan.pk,
    )


@pytest.mark.parametrize(
    ("status", "reason", "overridable"),
    [
        (Item.Status.LOST, "item_lost", False),
        (Item.Status.MISSING, "item_missing", False),
        (Item.Status.WITHDRAWN, "item_withdrawn", False),
        (Item.Status.ON_HOLD_SHELF, "on_hold_shelf", True),  # holds issue: staff may override
        (Item.Status.IN_TRANSIT, "in_transit", True),
    ],
)
def test_item_status_refusals(adult_patron, kga, now, status, reason, overridable):
    item = ItemFactory(status=status)
    err = refusal(adult_patron, item, kga, now)
    assert err.reason == reason
    if overridable is not None:
        assert err.overridable is overridable
    assert str(err.message)
    assert not Loan.objects.exists()


def test_reference_copy_is_not_for_loan(adult_patron, kga, now):
    item = ItemFactory(item_type=ItemType.objects.get(code="REFERENCE"))
    err = refusal(adult_patron, item, kga, now)
    assert (err.reason, err.overridable) == ("not_for_loan", True)


def test_expired_card_is_refused(kga, book, now):
    patron = PatronFactory(expiry_date=date(2025, 3, 1))
    assert refusal(patron, book, kga, now).reason == "card_expired"


def test_lost_card_is_refused_and_not_overridable(adult_patron, book, kga, now, admin_karlskoga):
    Card.objects.filter(patron=adult_patron).update(status=Card.Status.LOST)
    err = refusal(adult_patron, book, kga, now, staff=admin_karlskoga, override_reason="I know her")
    assert (err.reason, err.overridable) == ("card_not_active", False)


def test_manual_block_is_refused(adult_patron, book, kga, now):
    PatronBlock.objects.create(
        patron=adult_patron, reason="Unpaid invoice", library=kga, created_at=now
    )
    assert refusal(adult_patron, book, kga, now).reason == "manual_block"


def test_debt_over_the_limit_is_refused(adult_patron, book, kga, now):
    FeeFactory(patron=adult_patron, amount=Decimal("60.00"))
    lend(adult_patron, book, kga, now=now)  # 60 SEK is under the 100 SEK limit
    FeeFactory(patron=adult_patron, amount=Decimal("50.00"))
    assert refusal(adult_patron, ItemFactory(), kga, now).reason == "debt_over_limit"


def test_loan_overdue_too_long_is_refused(adult_patron, book, kga, now):
    LoanFactory(
        patron=adult_patron,
        checked_out_at=now - timedelta(days=70),
        due_at=now - timedelta(days=31),
    )
    assert refusal(adult_patron, book, kga, now).reason == "overdue"


def test_total_limit_counts_loans_at_every_library(adult_patron, libraries, kga, now):
    LoanRule.objects.create(library=kga, max_loans_total=2)
    LoanFactory(patron=adult_patron, checkout_library=libraries["STO"])
    lend(adult_patron, ItemFactory(), kga, now=now)
    err = refusal(adult_patron, ItemFactory(), kga, now)
    assert (err.reason, err.overridable) == ("max_loans_total", True)


def test_item_type_limit(adult_patron, kga, now):
    dvd = ItemType.objects.get(code="DVD")
    LoanRule.objects.create(item_type=dvd, max_loans_of_type=1)
    lend(adult_patron, ItemFactory(item_type=dvd), kga, now=now)
    lend(adult_patron, ItemFactory(), kga, now=now)  # a book is fine
    assert refusal(adult_patron, ItemFactory(item_type=dvd), kga, now).reason == "max_loans_of_type"


def test_every_reason_is_reported_unoverridable_first(kga, now):
    patron = PatronFactory(expiry_date=date(2025, 1, 1))
    item = ItemFactory(status=Item.Status.LOST, item_type=ItemType.objects.get(code="REFERENCE"))
    err = refusal(patron, item, kga, now)
    assert [r.reason for r in err.refusals] == ["item_lost", "not_for_loan", "card_expired"]
    assert not err.overridable


def test_library_admin_overrides_with_a_reason_and_it_is_logged(kga, now, admin_karlskoga):
    patron = PatronFactory(expiry_date=date(2025, 1, 1))
    item = ItemFactory(item_type=ItemType.objects.get(code="REFERENCE"))
    loan = lend(patron, item, kga, admin_karlskoga, now=now, override_reason="Renews card tomorrow")
    assert loan.override_reason == "Renews card tomorrow"
    logged = OverrideLog.objects.filter(loan=loan)
    assert sorted(logged.values_list("refusal", flat=True)) == ["card_expired", "not_for_loan"]
    assert {o.staff for o in logged} == {admin_karlskoga}


def test_desk_staff_may_not_override(kga, now, desk_staff_karlskoga):
    patron = PatronFactory(expiry_date=date(2025, 1, 1))
    err = refusal(patron, ItemFactory(), kga, now, staff=desk_staff_karlskoga, override_reason="x")
    assert err.reason == "override_not_allowed"
    assert not OverrideLog.objects.exists()


def test_admin_of_another_library_may_not_override(kga, now, admin_storfors):
    patron = PatronFactory(expiry_date=date(2025, 1, 1))
    err = refusal(patron, ItemFactory(), kga, now, staff=admin_storfors, override_reason="x")
    assert err.reason == "override_not_allowed"


def test_override_needs_a_reason(kga, now, admin_karlskoga):
    patron = PatronFactory(expiry_date=date(2025, 1, 1))
    err = refusal(patron, ItemFactory(), kga, now, staff=admin_karlskoga, override_reason="  ")
    assert err.reason == "card_expired"


@pytest.mark.parametrize(
    ("setting", "rules_of"),
    [("loan_library", "KGA"), ("item_home", "STO"), ("patron_home", "HFS")],
)
def test_whose_rules_apply_follows_the_consortium_setting(libraries, now, setting, rules_of):
    consortium = ConsortiumSettings.load()
    consortium.rules_library = setting
    consortium.save()  # (a save: the per-process copy of the settings follows it)
    for code, days in (("KGA", 10), ("STO", 7), ("HFS", 21)):
        LoanRule.objects.create(library=libraries[code], loan_period_days=days)
    patron = PatronFactory(home_library=libraries["HFS"])
    item = ItemFactory(home_library=libraries["STO"])
    loan = lend(patron, item, libraries["KGA"], now=now)
    assert loan.rules_library == libraries[rules_of]
    expected = {"KGA": 10, "STO": 7, "HFS": 21}[rules_of]
    assert loan.due_at.astimezone(services.STOCKHOLM).date() == now.date() + timedelta(
        days=expected
    )
