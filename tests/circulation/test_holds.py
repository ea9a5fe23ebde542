"""Holds against the real database: placing, catching copies at check-in, pick lists, the hold
shelf, checkout, renewals, expiry, notices; the Hällefors ↔ Kristinehamn journey end to end."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item, ItemType
from circulation import refusals, renewals, services
from circulation.holds import selectors as hold_selectors
from circulation.holds import services as hold_services
from circulation.holds import targeting as hold_targeting
from circulation.holds.models import Hold
from circulation.models import LoanRule
from libraries.models import CalendarException, Library
from notices import services as notice_services
from patrons.models import PatronBlock
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from transport.demo import create_demo_network
from transport.models import Transfer

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


@pytest.fixture
def network(db):
    create_demo_network()


def place(patron, record, pickup="KGA", now=MONDAY, **kw):
    return hold_services.place_hold(
        patron=patron, record=record, pickup_library=lib(pickup), now=now, **kw
    )


def check_in(item, code, now):
    return services.check_in(barcode=item.barcode, library=lib(code), staff=None, now=now)


def on_loan(record, home="KGA"):
    return LoanFactory(item__record=record, item__home_library=lib(home)).item


# --- Placing -------------------------------------------------------------------------------


def test_place_title_hold_queues_by_placement_time():
    record = RecordFactory()
    ItemFactory(record=record)
    first, second = PatronFactory(), PatronFactory()
    a = place(first, record)
    b = place(second, record, now=MONDAY + timedelta(minutes=1))
    assert a.state == b.state == Hold.State.WAITING
    positions = {h.pk: h.position for h in hold_selectors.queue_for_record(record)}
    assert positions == {a.pk: 1, b.pk: 2}


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("reference_only", "not_holdable"),
        ("rule_says_no", "not_holdable"),
        ("already_held", "already_held"),
        ("card_expired", "card_expired"),
        ("manual_block", "manual_block"),
        ("at_limit", "max_holds"),
        ("already_borrowed", "already_on_loan"),
    ],
)
def test_place_hold_refusals(setup, reason):
    patron = PatronFactory()
    record = RecordFactory()
    item_type = "REFERENCE" if setup == "reference_only" else "DVD"
    item = ItemFactory(record=record, item_type=ItemType.objects.get(code=item_type))
    if setup == "rule_says_no":
        LoanRule.objects.create(item_type=item.item_type, holdable=False)
    if setup == "already_held":
        place(patron, record)
    if setup == "card_expired":
        patron.expiry_date = date(2020, 1, 1)
        patron.save(update_fields=["expiry_date"])
    if setup == "manual_block":
        PatronBlock.objects.create(
            patron=patron, reason="Ring oss", library=lib("KGA"), created_at=MONDAY
        )
    if setup == "at_limit":
        LoanRule.objects.create(library=lib("KGA"), max_loans_total=1)
        other = RecordFactory()
        ItemFactory(record=other)
        place(patron, other)
    if setup == "already_borrowed":
        LoanFactory(patron=patron, item__record=record)
    with pytest.raises(hold_services.HoldRefused) as refused:
        place(patron, record)
    assert refused.value.reason == reason
    assert str(refused.value.message)
    assert Hold.objects.filter(patron=patron, record=record).count() == (setup == "already_held")


def test_item_level_hold_must_name_a_copy_of_the_title():
    record, other = RecordFactory(), RecordFactory()
    stranger = ItemFactory(record=other)
    with pytest.raises(hold_services.HoldRefused) as refused:
        place(PatronFactory(), record, item=stranger)
    assert refused.value.reason == "wrong_item"


def test_holds_are_free_of_charge():
    record = RecordFactory()
    ItemFactory(record=record, home_library=lib("KHM"), current_library=lib("KHM"))
    patron = PatronFactory(home_library=lib("HFS"))
    place(patron, record, pickup="HFS")
    assert not patron.fees.exists()


# --- Capture at check-in -----------------------------------------------------------------


def test_checkin_at_pickup_library_puts_copy_on_hold_shelf_with_open_day_deadline(
    django_capture_on_commit_callbacks,
):
    record = RecordFactory()
    item = on_loan(record)
    holder = PatronFactory()
    hold = place(holder, record, pickup="KGA")
    # Karlskoga is closed Thursday 13 March: the seven open days skip it
    CalendarException.objects.create(library=lib("KGA"), date=date(2025, 3, 13), is_open=False)
    wednesday = datetime(2025, 3, 12, 12, 0, tzinfo=TZ)
    with django_capture_on_commit_callbacks() as callbacks:
        result = check_in(item, "KGA", wednesday)
    hold.refresh_from_db()
    item.refresh_from_db()
    assert result.action == services.Action.HOLD_SHELF
    assert result.extra["hold"].pk == hold.pk
    assert hold.state == Hold.State.ON_HOLD_SHELF and hold.item_id == item.pk
    assert item.status == Item.Status.ON_HOLD_SHELF
    # Wed + 7 open days (Mon–Sat, Thu 13th closed): Fri 14, Sat 15, Mon 17 … Fri 21
    assert hold.pickup_deadline == datetime(2025, 3, 21, 23, 59, 59, tzinfo=TZ)
    assert hold.notice_queued_at == wednesday
    assert len(callbacks) == 1  # the notice task, after commit


def test_checkin_elsewhere_sends_copy_to_pickup_library_for_the_hold(network):
    record = RecordFactory()
    item = on_loan(record, home="KGA")
    hold = place(PatronFactory(home_library=lib("HFS")), record, pickup="HFS")
    result = check_in(item, "KGA", MONDAY)
    hold.refresh_from_db()
    transfer = result.extra["transfer"]
    assert result.action == services.Action.HOLD_TRANSIT
    assert result.destination == lib("HFS")
    assert transfer.reason == Transfer.Reason.HOLD_PICKUP and transfer.to_library == lib("HFS")
    assert hold.state == Hold.State.IN_TRANSIT and hold.item_id == item.pk


def test_checkin_serves_the_oldest_hold_and_skips_suspended_and_item_level_holds():
    record = RecordFactory()
    item = on_loan(record)
    other_copy = ItemFactory(record=record, status=Item.Status.ON_LOAN)
    item_level = place(PatronFactory(), record, item=other_copy)
    suspended = place(PatronFactory(), record, now=MONDAY + timedelta(minutes=1))
    hold_services.suspend_hold(hold=suspended, until=date(2025, 4, 1), now=MONDAY)
    oldest_free = place(PatronFactory(), record, now=MONDAY + timedelta(minutes=2))
    younger = place(PatronFactory(), record, now=MONDAY + timedelta(minutes=3))
    check_in(item, "KGA", MONDAY + timedelta(hours=1))
    states = {h.pk: h.state for h in Hold.objects.all()}
    assert states[oldest_free.pk] == Hold.State.ON_HOLD_SHELF
    assert states[item_level.pk] == states[suspended.pk] == states[younger.pk] == "waiting"


def test_checkin_respects_holdability_of_the_holders_category():
    record = RecordFactory()
    item = on_loan(record)
    child = PatronFactory(
        category=__import__("patrons.models").models.PatronCategory.objects.get(code="CHILD")
    )
    adult = PatronFactory()
    child_hold = place(child, record)
    adult_hold = place(adult, record, now=MONDAY + timedelta(minutes=1))
    from patrons.models import PatronCategory

    LoanRule.objects.create(
        patron_category=PatronCategory.objects.get(code="CHILD"),
        item_type=item.item_type,
        holdable=False,
    )
    check_in(item, "KGA", MONDAY + timedelta(hours=1))
    child_hold.refresh_from_db()
    adult_hold.refresh_from_db()
    assert child_hold.state == Hold.State.WAITING
    assert adult_hold.state == Hold.State.ON_HOLD_SHELF


def test_checkin_without_holds_is_unchanged():
    item = on_loan(RecordFactory())
    result = check_in(item, "KGA", MONDAY)
    assert result.action == services.Action.RESHELVE and "hold" not in result.extra


def test_capture_statement_count_is_constant_in_queue_length():
    def measure(queue: int) -> int:
        record = RecordFactory()
        item = on_loan(record)
        for n in range(queue):
            place(PatronFactory(), record, now=MONDAY + timedelta(seconds=n))
        with CaptureQueriesContext(connection) as ctx:
            check_in(item, "KGA", MONDAY + timedelta(hours=1))
        assert Hold.objects.filter(record=record, state="on_hold_shelf").count() == 1
        return len(ctx.captured_queries)

    few, many = measure(1), measure(40)
    assert few == many <= 15
    print(f"check-in that shelves a hold: {few} statements")


# --- Hold shelf and checkout -------------------------------------------------------------


def shelved(record=None, pickup="KGA", holder=None):
    record = record or RecordFactory()
    item = on_loan(record)
    holder = holder or PatronFactory()
    hold = place(holder, record, pickup=pickup)
    check_in(item, pickup, MONDAY + timedelta(hours=1))
    item.refresh_from_db()
    return hold, item, holder


def test_checkout_to_the_holder_fulfils_the_hold():
    hold, item, holder = shelved()
    loan = services.check_out(
        barcode=item.barcode, patron=holder, library=lib("KGA"), staff=None, now=MONDAY
    )
    hold.refresh_from_db()
    assert hold.state == Hold.State.FULFILLED and hold.loan_id == loan.pk
    assert list(hold_selectors.hold_shelf(lib("KGA"))) == []


def test_checkout_to_someone_else_is_refused_but_may_be_overridden(admin_karlskoga):
    hold, item, _holder = shelved()
    other = PatronFactory()
    with pytest.raises(refusals.CheckoutRefused) as refused:
        services.check_out(
            barcode=item.barcode, patron=other, library=lib("KGA"), staff=None, now=MONDAY
        )
    assert refused.value.reason == refusals.ON_HOLD_SHELF and refused.value.overridable
    services.check_out(
        barcode=item.barcode,
        patron=other,
        library=lib("KGA"),
        staff=admin_karlskoga,
        now=MONDAY,
        override_reason="Låntagaren avbokade per telefon",
    )
    hold.refresh_from_db()
    assert hold.state == Hold.State.WAITING and hold.item is None  # back in its place


def test_taking_a_title_from_the_open_shelf_fulfils_a_waiting_title_hold():
    record = RecordFactory()
    item = ItemFactory(record=record)
    patron = PatronFactory()
    hold = place(patron, record)
    services.check_out(
        barcode=item.barcode, patron=patron, library=lib("KGA"), staff=None, now=MONDAY
    )
    hold.refresh_from_db()
    assert hold.state == Hold.State.FULFILLED


def test_cancel_on_shelf_passes_copy_to_the_next_hold():
    record = RecordFactory()
    hold, item, _ = shelved(record)
    nxt = place(PatronFactory(), record, now=MONDAY + timedelta(minutes=5))
    hold_services.cancel_hold(hold=hold, now=MONDAY + timedelta(hours=2))
    hold.refresh_from_db()
    nxt.refresh_from_db()
    assert hold.state == Hold.State.CANCELLED
    assert nxt.state == Hold.State.ON_HOLD_SHELF and nxt.item_id == item.pk


def test_suspend_and_resume():
    record = RecordFactory()
    ItemFactory(record=record)
    hold = place(PatronFactory(), record)
    hold_services.suspend_hold(hold=hold, until=date(2025, 4, 1), now=MONDAY)
    hold.refresh_from_db()
    assert hold.is_suspended(today=MONDAY.date())
    with pytest.raises(hold_services.HoldRefused):
        hold_services.suspend_hold(hold=hold, until=date(2025, 1, 1), now=MONDAY)
    hold_services.suspend_hold(hold=hold, until=None, now=MONDAY)
    hold.refresh_from_db()
    assert hold.suspended_until is None


def test_staff_reorder_the_queue():
    record = RecordFactory()
    ItemFactory(record=record)
    a, b, c = (place(PatronFactory(), record, now=MONDAY + timedelta(minutes=n)) for n in range(3))
    hold_services.move_hold(hold=c, direction="top", staff=None, now=MONDAY)
    hold_services.move_hold(hold=a, direction="down", staff=None, now=MONDAY)
    order = [h.pk for h in Hold.objects.filter(record=record).in_queue_order()]
    assert order == [c.pk, b.pk, a.pk]
    hold_services.move_hold(hold=a, direction="up", staff=None, now=MONDAY)
    order = [h.pk for h in Hold.objects.filter(record=record).in_queue_order()]
    assert order == [c.pk, a.pk, b.pk]


# --- Renewals ----------------------------------------------------------------------------


def test_renewal_refused_when_someone_waits_and_no_other_copy_can_serve():
    record = RecordFactory()
    loan = LoanFactory(item__record=record)
    place(PatronFactory(), record)
    with pytest.raises(refusals.RenewalRefused) as refused:
        renewals.renew(loan=loan, library=lib("KGA"), staff=None, now=MONDAY)
    assert refused.value.reason == refusals.OTHERS_WAITING


def test_renewal_allowed_when_another_copy_is_on_a_shelf():
    record = RecordFactory()
    loan = LoanFactory(item__record=record)
    ItemFactory(record=record)
    place(PatronFactory(), record)
    renewals.renew(loan=loan, library=lib("KGA"), staff=None, now=MONDAY)


def test_renewal_allowed_when_the_rule_says_so_or_the_hold_is_suspended():
    record = RecordFactory()
    loan = LoanFactory(item__record=record)
    hold = place(PatronFactory(), record)
    hold_services.suspend_hold(hold=hold, until=date(2025, 5, 1), now=MONDAY)
    renewals.renew(loan=loan, library=lib("KGA"), staff=None, now=MONDAY)
    hold_services.suspend_hold(hold=hold, until=None, now=MONDAY)
    LoanRule.objects.create(library=lib("KGA"), renew_when_others_wait=True)
    renewals.renew(loan=loan, library=lib("KGA"), staff=None, now=MONDAY + timedelta(days=1))


# --- Pick lists --------------------------------------------------------------------------


def test_pick_list_found_and_not_on_shelf(network):
    record = RecordFactory()
    khm = ItemFactory(record=record, home_library=lib("KHM"))
    deg = ItemFactory(record=record, home_library=lib("DEG"))
    hold = place(PatronFactory(home_library=lib("HFS")), record, pickup="HFS")
    report = hold_targeting.run_targeting(now=MONDAY)
    assert report.targeted == 1
    hold.refresh_from_db()
    first = hold.target_library.code  # DEG and KHM tie (Wednesday 10:00 in Hällefors)
    assert first in {"DEG", "KHM"}
    assert list(hold_selectors.pick_list(lib(first))) == [hold]
    # not on the shelf: missing, and the other library is asked
    hold_services.mark_not_on_shelf(hold=hold, library=lib(first), staff=None, now=MONDAY)
    hold.refresh_from_db()
    missing = khm if first == "KHM" else deg
    missing.refresh_from_db()
    assert missing.status == Item.Status.MISSING
    second = hold.target_library.code
    assert second == ({"DEG", "KHM"} - {first}).pop()
    capture = hold_services.mark_found(hold=hold, library=lib(second), staff=None, now=MONDAY)
    hold.refresh_from_db()
    assert capture.action == hold_services.HOLD_TRANSIT
    assert hold.state == Hold.State.IN_TRANSIT and hold.target_item is None
    with pytest.raises(hold_services.HoldRefused):
        hold_services.mark_found(hold=hold, library=lib(second), staff=None, now=MONDAY)


def test_found_at_the_pickup_library_goes_straight_to_the_hold_shelf(network):
    record = RecordFactory()
    item = ItemFactory(record=record)
    hold = place(PatronFactory(), record, pickup="KGA")
    hold_targeting.run_targeting(now=MONDAY)
    hold_services.mark_found(hold=hold, library=lib("KGA"), staff=None, now=MONDAY)
    item.refresh_from_db()
    assert item.status == Item.Status.ON_HOLD_SHELF


def test_targeting_run_statements_do_not_grow_with_the_number_of_holds(network):
    def measure(n: int) -> int:
        Hold.objects.all().delete()
        for _ in range(n):
            record = RecordFactory()
            ItemFactory(record=record, home_library=lib("KHM"))
            place(PatronFactory(), record, pickup="KGA")
        with CaptureQueriesContext(connection) as ctx:
            report = hold_targeting.run_targeting(now=MONDAY)
        assert report.targeted == n
        return len(ctx.captured_queries)

    assert measure(3) == measure(30)


def test_stale_pick_list_lines_are_cleared(network):
    record = RecordFactory()
    item = ItemFactory(record=record)
    hold = place(PatronFactory(), record)
    hold_targeting.run_targeting(now=MONDAY)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    report = hold_targeting.run_targeting(now=MONDAY)
    hold.refresh_from_db()
    assert report.cleared == 1 and hold.target_item is None


# --- Notices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject_start"),
    [("sv", "Din reservation"), ("en", "Your hold is ready")],
)
def test_ready_notice_in_the_patrons_language_sent_once(language, subject_start):
    holder = PatronFactory(email="astrid@example.org", preferred_language=language)
    hold, _item, _ = shelved(holder=holder)
    notice_id = notice_services.notify_hold_ready(hold_id=hold.pk, now=MONDAY)
    assert notice_id is not None
    assert notice_services.notify_hold_ready(hold_id=hold.pk, now=MONDAY) is None
    for _ in range(2):  # a re-delivered task sends nothing the second time
        notice_services.deliver_notice(notice_id=notice_id, now=MONDAY)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["astrid@example.org"]
    assert message.subject.startswith(subject_start)
    assert hold.record.title in message.body
    hold.refresh_from_db()
    assert hold.notice_sent_at is not None


def test_hold_slip_shortens_the_card_and_shows_a_name_only_if_chosen():
    hold, _item, holder = shelved()
    slip = hold_selectors.hold_slip(hold)
    card = holder.cards.get().number
    assert (slip["card"] == f"…{card[-4:]}" and card not in slip["card"][1:]) or len(card) <= 4
    assert slip["name"] == ""
    # The shelf mark the hold shelf is sorted by, as on the shelf list: last four digits, initials.
    initials = f"{holder.first_name[0].upper()}.{holder.last_name[0].upper()}."
    assert slip["shelf_mark"] == f"{card[-4:]} {initials}"
    Library.objects.filter(code="KGA").update(hold_slip_shows_name=True)
    assert hold_selectors.hold_slip(hold)["name"] == holder.full_name


# --- The consortium journey --------------------------------------------------------------


def test_hallefors_patron_gets_the_kristinehamn_copy_over_the_earliest_route(network):
    """HFS patron, only copy on the shelf in Kristinehamn: KHM → STO → KGA → HFS, hold shelf,
    one notice; not picked up → expires and the copy goes to the next patron in the queue."""
    record = RecordFactory(title="Bibliotek utan gränser")
    item = ItemFactory(record=record, home_library=lib("KHM"))
    ItemFactory(record=record, home_library=lib("KGA"), status=Item.Status.ON_LOAN)
    holder = PatronFactory(home_library=lib("HFS"), email="hfs@example.org")
    notice_id = None
    hold = place(holder, record, pickup="HFS")
    nxt = place(
        PatronFactory(home_library=lib("KGA")),
        record,
        pickup="KGA",
        now=MONDAY + timedelta(minutes=1),
    )

    hold_targeting.run_targeting(now=MONDAY)
    [line] = hold_selectors.pick_list(lib("KHM"))
    assert line.pk == hold.pk and line.target_item_id == item.pk
    capture = hold_services.mark_found(hold=hold, library=lib("KHM"), staff=None, now=MONDAY)
    transfer = capture.transfer
    assert [hop["to"] for hop in transfer.route] == ["STO", "KGA", "HFS"]
    assert transfer.expected_arrival == datetime(2025, 3, 12, 10, 0, tzinfo=TZ)

    check_in(item, "STO", datetime(2025, 3, 10, 15, 0, tzinfo=TZ))
    check_in(item, "KGA", datetime(2025, 3, 11, 11, 0, tzinfo=TZ))
    hold.refresh_from_db()
    assert hold.state == Hold.State.IN_TRANSIT
    arrived = check_in(item, "HFS", datetime(2025, 3, 12, 10, 5, tzinfo=TZ))
    hold.refresh_from_db()
    item.refresh_from_db()
    assert arrived.action == services.Action.HOLD_SHELF
    assert hold.state == Hold.State.ON_HOLD_SHELF
    assert item.status == Item.Status.ON_HOLD_SHELF and item.current_library == lib("HFS")
    assert list(hold_selectors.hold_shelf(lib("HFS"))) == [hold]

    for _ in range(2):  # the task runs twice (a re-delivered message): one e-mail
        notice_id = notice_services.notify_hold_ready(hold_id=hold.pk, now=MONDAY) or notice_id
        notice_services.deliver_notice(notice_id=notice_id, now=MONDAY)
    assert len(mail.outbox) == 1

    expired = hold_services.expire_holds(now=hold.pickup_deadline + timedelta(minutes=1))
    hold.refresh_from_db()
    nxt.refresh_from_db()
    assert expired == [hold.pk] and hold.state == Hold.State.EXPIRED
    assert nxt.state == Hold.State.IN_TRANSIT and nxt.item_id == item.pk
    onward = Transfer.objects.get(item=item, state__in=Transfer.OPEN_STATES)
    assert onward.reason == Transfer.Reason.HOLD_PICKUP and onward.to_library == lib("KGA")
    assert hold_services.expire_holds(now=hold.pickup_deadline + timedelta(days=1)) == []


def test_expired_hold_with_nobody_waiting_sends_the_copy_home(network):
    record = RecordFactory()
    item = on_loan(record, home="KHM")
    hold = place(PatronFactory(), record, pickup="KGA")
    check_in(item, "KGA", MONDAY)  # a KHM copy returned in Karlskoga: shelved for the hold
    hold.refresh_from_db()
    hold_services.expire_holds(now=hold.pickup_deadline + timedelta(seconds=1))
    item.refresh_from_db()
    assert item.status == Item.Status.IN_TRANSIT
    home = Transfer.objects.get(item=item, state__in=Transfer.OPEN_STATES)
    assert home.reason == Transfer.Reason.RETURN_HOME and home.to_library == lib("KHM")


def test_demo_holds_are_placed_once(network):
    from circulation.holds.demo import create_demo_holds

    for _ in range(3):
        record = RecordFactory()
        ItemFactory(record=record, home_library=lib("KHM"))
        PatronFactory(home_library=lib("HFS"))
    assert create_demo_holds(count=3) == 3
    assert create_demo_holds(count=3) == 0
    assert Hold.objects.count() == 3
