"""The SIP2 server over TCP, driven by the PyPI ``sip2`` client and by raw frames; every answer
is validated by pysip2's strict decoder."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from pysip2 import (
    CheckinResponse,
    CheckoutResponse,
    FeePaidRequest,
    HoldRequest,
    HoldResponse,
    ItemInformationRequest,
    ItemInformationResponse,
    ItemStatusUpdateRequest,
    ItemStatusUpdateResponse,
    PatronEnableRequest,
    PatronEnableResponse,
    PatronStatusResponse,
    encode_message,
)
from Sip2.sip2 import Sip2

from catalog.models import Item
from circulation.models import Fee, Loan
from libraries.models import Library, StaffRole
from patrons.models import Patron, PatronBlock
from sip2.models import ItemProperties, Terminal
from sip2.server import Config, ServerThread
from tests.circulation.factories import FeeFactory, ItemFactory
from tests.sip2.conftest import PIN, TERMINAL_PASSWORD, RawClient, login_frame

pytestmark = pytest.mark.django_db(transaction=True)
DATE = "20250312    120000"


def checkout_frame(card: str, barcode: str, pin: str = PIN, policy: str = "N") -> str:
    return f"11{policy}N{DATE}{' ' * 18}AOKGA|AA{card}|AB{barcode}|AC|AD{pin}|\r"


def checkin_frame(barcode: str) -> str:
    return f"09N{DATE}{DATE}APEntré|AOKGA|AB{barcode}|AC|\r"


@pytest.fixture
def sip2_client(sip_server, terminal, patron_with_pin, tmp_path):
    """The PyPI client, low-level class, plain TCP, logging to a temporary folder."""
    client = Sip2()
    client.hostName, client.hostPort = "127.0.0.1", sip_server.port
    client.tlsEnable = False
    client.logfile_path = str(tmp_path)
    client.socketTimeout = 10
    client.institutionId = "KGA"
    client.scLocation = "Entré"
    client.patron = patron_with_pin.card_number
    client.patronpwd = PIN
    client.connect()
    yield client
    client.disconnect()


def strict(raw: str):
    from pysip2 import decode_message

    return decode_message(raw.encode("utf-8"), encoding="utf-8").message


def test_a_session_with_the_pypi_client(sip2_client, patron_with_pin):
    items = [ItemFactory(), ItemFactory()]
    client = sip2_client

    raw = client.get_response(client.sip_login_request("sip-kga-1", TERMINAL_PASSWORD))
    assert strict(raw).ok == "1"

    raw = client.get_response(client.sip_sc_status_request())
    status = strict(raw)
    assert status.online_status == "Y" and status.checkout_ok == "Y"
    assert status.supported_messages == "Y" * 16  # every message, 19 and 25 included
    assert status.library_name == "Karlskoga bibliotek"

    raw = client.get_response(client.sip_patron_status_request())
    answer = strict(raw)
    assert (answer.valid_patron, answer.valid_patron_password) == ("Y", "Y")
    assert answer.personal_name.startswith("Åsa")
    assert answer.screen_message == ("Välkommen, Åsa!",)  # Swedish: the terminal's default

    for item in items:
        raw = client.get_response(client.sip_checkout_request(item.barcode))
        answer = strict(raw)
        assert answer.ok == "1", answer.screen_message
        assert answer.title_identifier == item.record.title
        assert answer.screen_message[0].startswith("Lämnas tillbaka senast")
    assert Loan.objects.open().filter(patron=patron_with_pin).count() == 2
    loan = Loan.objects.open().get(item=items[0])
    assert loan.checkout_library.code == "KGA"
    assert loan.staff.username == "sip-kga-1"

    raw = client.get_response(client.sip_patron_information_request("charged"))
    info = strict(raw)
    assert info.charged_items_count == "0002"
    assert set(info.charged_items) == {i.barcode for i in items}

    raw = client.get_response(client.sip_item_information_request(items[0].barcode))
    info = strict(raw)
    assert info.circulation_status == "04" and info.due_date

    # A renewal the same day does not move the due date far (or is refused as too soon):
    # either way the answer is well formed and comes from the desk's renewal rules.
    raw = client.get_response(client.sip_renew_request(itemIdentifier=items[0].barcode))
    assert strict(raw).ok in ("0", "1")
    raw = client.get_response(client.sip_renew_all_request())
    renewed = strict(raw)
    assert int(renewed.renewed_count) + int(renewed.unrenewed_count) == 2

    for item in items:
        raw = client.get_response(client.sip_checkin_request(item.barcode))
        answer = strict(raw)
        assert answer.ok == "1" and answer.sort_bin == "shelf"
    assert not Loan.objects.open().filter(patron=patron_with_pin).exists()

    raw = client.get_response(client.sip_end_patron_session_request())
    assert strict(raw).end_session == "Y"


def test_wrong_pin_says_invalid_and_counts_in_the_shared_lockout(client, patron_with_pin):
    card = patron_with_pin.card_number
    _, answer = client.ask(f"23006{DATE}AOKGA|AA{card}|AC|AD0000|\r")
    assert isinstance(answer, PatronStatusResponse)
    assert (answer.valid_patron, answer.valid_patron_password) == ("Y", "N")
    assert answer.personal_name == ""  # nothing about the patron without the PIN
    assert Patron.objects.get(pk=patron_with_pin.pk).pin_failures == 1
    for _ in range(4):
        client.ask(f"23006{DATE}AOKGA|AA{card}|AC|AD0000|\r")
    # Locked now: even the right PIN is refused, as in the OPAC.
    _, answer = client.ask(f"23006{DATE}AOKGA|AA{card}|AC|AD{PIN}|\r")
    assert answer.valid_patron_password == "N"
    _, answer = client.ask(checkout_frame(card, ItemFactory().barcode))
    assert answer.ok == "0"
    assert answer.screen_message == ("För många felaktiga PIN-koder. Fråga personalen.",)
    assert not Loan.objects.exists()


def test_english_when_the_machine_asks_for_it(client, patron_with_pin):
    _, answer = client.ask(f"23001{DATE}AOKGA|AA{patron_with_pin.card_number}|AC|AD{PIN}|\r")
    assert answer.screen_message == ("Welcome, Åsa!",)
    assert answer.language == "001"


def test_unknown_card_and_unknown_item_get_clear_refusals(client, patron_with_pin):
    _, answer = client.ask(f"23006{DATE}AOKGA|AA999999|AC|\r")
    assert answer.valid_patron == "N"
    _, answer = client.ask(checkout_frame(patron_with_pin.card_number, "NO-SUCH-ITEM"))
    assert isinstance(answer, CheckoutResponse) and answer.ok == "0"
    assert answer.screen_message == ("Exemplaret är okänt. Fråga personalen.",)
    _, answer = client.ask(checkin_frame("NO-SUCH-ITEM"))
    assert isinstance(answer, CheckinResponse) and answer.ok == "0"
    _, answer = client.ask(f"17{DATE}AOKGA|ABNO-SUCH-ITEM|\r")
    assert isinstance(answer, ItemInformationResponse)
    assert answer.circulation_status == "01"


def test_checkout_refused_for_a_blocked_patron_with_the_desks_reason(client, patron_with_pin):
    FeeFactory(patron=patron_with_pin, amount=500)
    _, answer = client.ask(checkout_frame(patron_with_pin.card_number, ItemFactory().barcode))
    assert answer.ok == "0"
    assert answer.screen_message == ("Du har obetalda avgifter över gränsen. Fråga personalen.",)


def test_checkout_needs_the_pin_when_the_terminal_requires_it(client, patron_with_pin):
    frame = (
        f"11NN{DATE}{' ' * 18}AOKGA|AA{patron_with_pin.card_number}|AB{ItemFactory().barcode}|AC|\r"
    )
    _, answer = client.ask(frame)
    assert answer.ok == "0" and answer.screen_message == ("Ange din PIN-kod.",)


def test_scanning_an_own_loan_again_renews_it_with_the_renewal_policy(client, patron_with_pin):
    item = ItemFactory()
    card = patron_with_pin.card_number
    assert client.ask(checkout_frame(card, item.barcode))[1].ok == "1"
    _, answer = client.ask(checkout_frame(card, item.barcode, policy="N"))
    assert answer.ok == "0"
    _, answer = client.ask(checkout_frame(card, item.barcode, policy="Y"))
    # Renewed through the desk's renewal rules, or refused by them with their reason.
    # (Refused as too soon once circulation refuses renewals that would not move the date.)
    too_soon = ("Lånet kan inte lånas om än: återlämningsdagen skulle inte ändras.",)
    assert (answer.ok, answer.renewal_ok) == ("1", "Y") or answer.screen_message == too_soon
    assert Loan.objects.filter(item=item).count() == 1


def test_checkin_of_another_librarys_item_names_the_next_stop(client, patron_with_pin):
    item = ItemFactory(home_library=Library.objects.get(code="KHM"))
    raw, answer = client.ask(checkin_frame(item.barcode))
    assert answer.ok == "1" and answer.alert == "Y"
    assert answer.permanent_location == "KHM"
    assert b"CTKHM|" in raw and b"CV04|" in raw
    assert answer.sort_bin in {"STO", "DEG", "KHM"}  # the first hop of the planned route


def test_checkin_catching_a_hold_sends_it_to_the_hold_shelf_bin(client, patron_with_pin):
    item = ItemFactory()
    card = patron_with_pin.card_number
    hold = encode_message(
        HoldRequest(
            hold_mode="+",
            transaction_date=DATE,
            institution_id="KGA",
            patron_identifier=card,
            patron_password=PIN,
            item_identifier=item.barcode,
            pickup_location="KGA",
        )
    )
    _, answer = client.ask(hold)
    assert isinstance(answer, HoldResponse) and answer.ok == "1", answer.screen_message
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    raw, answer = client.ask(checkin_frame(item.barcode))
    assert answer.ok == "1" and answer.alert == "Y"
    assert answer.sort_bin == "hold_shelf" and b"CV01|" in raw


def test_sort_bins_come_from_the_terminal(client, terminal):
    Terminal.objects.filter(pk=terminal.pk).update(sort_bins={"shelf": "3"})
    _, answer = client.ask(checkin_frame(ItemFactory().barcode))
    # The session read the terminal at login: the new bins apply from the next login.
    assert answer.sort_bin == "shelf"


def test_fee_paid_pays_exactly_the_amount(client, patron_with_pin):
    fee = FeeFactory(patron=patron_with_pin, amount="20.00")
    card = patron_with_pin.card_number

    def pay(amount: str) -> bytes:
        return encode_message(
            FeePaidRequest(
                transaction_date=DATE,
                fee_type="01",
                payment_type="00",
                currency_type="SEK",
                fee_amount=amount,
                institution_id="KGA",
                patron_identifier=card,
                patron_password=PIN,
                transaction_id="T-1",
            )
        )

    _, answer = client.ask(pay("15.00"))
    assert answer.payment_accepted == "N"
    _, answer = client.ask(pay("20.00"))
    assert answer.payment_accepted == "Y" and answer.transaction_id == "T-1"
    fee.refresh_from_db()
    assert fee.state == Fee.State.PAID and fee.settled_by.username == "sip-kga-1"


def test_block_patron_sets_a_manual_block(client, patron_with_pin):
    _, answer = client.ask(f"01N{DATE}AOKGA|ALKortet behölls|AA{patron_with_pin.card_number}|AC|\r")
    assert isinstance(answer, PatronStatusResponse)
    assert answer.patron_status[0] == "Y"
    assert PatronBlock.objects.open().filter(patron=patron_with_pin).exists()


def enable_frame(card: str, pin: str | None = PIN) -> bytes:
    return encode_message(
        PatronEnableRequest(
            transaction_date=DATE, institution_id="KGA", patron_identifier=card, patron_password=pin
        )
    )


def test_patron_enable_lifts_the_block_a_terminal_set(client, patron_with_pin):
    card = patron_with_pin.card_number
    client.ask(f"01N{DATE}AOKGA|ALKortet behölls|AA{card}|AC|\r")
    _, answer = client.ask(enable_frame(card))
    assert isinstance(answer, PatronEnableResponse)
    assert answer.patron_status[0] == " " and answer.valid_patron == "Y"
    assert answer.valid_patron_password == "Y"
    assert not PatronBlock.objects.open().filter(patron=patron_with_pin).exists()
    lifted = PatronBlock.objects.get(patron=patron_with_pin)
    assert lifted.removed_by.username == "sip-kga-1"
    # The patron can borrow again at the machine.
    _, loan = client.ask(checkout_frame(card, ItemFactory().barcode))
    assert loan.ok == "1"


def test_patron_enable_never_lifts_a_staff_block(client, patron_with_pin):
    card = patron_with_pin.card_number
    desk_user = get_user_model().objects.create_user(username="desk-kga")
    staff_block = PatronBlock.objects.create(
        patron=patron_with_pin,
        reason="Obetald ersättning, prata med personalen",
        library=Library.objects.get(code="KGA"),
        created_by=desk_user,
        created_at=timezone.now(),
    )
    client.ask(f"01N{DATE}AOKGA|ALKortet behölls|AA{card}|AC|\r")
    _, answer = client.ask(enable_frame(card))
    assert isinstance(answer, PatronEnableResponse)
    assert answer.patron_status[0] == "Y"  # still blocked: the staff block stays
    assert answer.screen_message == ("Ditt konto är spärrat. Fråga personalen.",)
    assert list(PatronBlock.objects.open().filter(patron=patron_with_pin)) == [staff_block]


def test_patron_enable_with_a_wrong_pin_changes_nothing(client, patron_with_pin):
    card = patron_with_pin.card_number
    client.ask(f"01N{DATE}AOKGA|ALKortet behölls|AA{card}|AC|\r")
    _, answer = client.ask(enable_frame(card, pin="0000"))
    assert isinstance(answer, PatronEnableResponse)
    assert answer.patron_status[0] == "Y" and answer.valid_patron != "Y"
    assert PatronBlock.objects.open().filter(patron=patron_with_pin).exists()


def test_item_status_update_keeps_the_properties_for_item_information(client):
    item = ItemFactory()
    update = ItemStatusUpdateRequest(
        transaction_date=DATE,
        institution_id="KGA",
        item_identifier=item.barcode,
        item_properties="larm: på; hylla 3",
    )
    # The terminal speaks UTF-8 (pysip2's default is cp850); with a checksum, as machines do.
    _, answer = client.ask(
        encode_message(update, encoding="utf-8", checksum=True, sequence_number=1)
    )
    assert isinstance(answer, ItemStatusUpdateResponse)
    assert answer.item_properties_ok == "1" and answer.item_properties == "larm: på; hylla 3"
    assert answer.title_identifier == item.record.title
    assert ItemProperties.objects.get(item=item).properties == "larm: på; hylla 3"
    info = ItemInformationRequest(
        transaction_date=DATE, institution_id="KGA", item_identifier=item.barcode
    )
    _, answer = client.ask(encode_message(info))
    assert isinstance(answer, ItemInformationResponse)
    assert answer.item_properties == "larm: på; hylla 3"


def test_item_status_update_of_an_unknown_item_is_refused(client):
    update = ItemStatusUpdateRequest(
        transaction_date=DATE, institution_id="KGA", item_identifier="NOPE", item_properties="x"
    )
    _, answer = client.ask(encode_message(update))
    assert isinstance(answer, ItemStatusUpdateResponse) and answer.item_properties_ok == "0"
    assert not ItemProperties.objects.exists()


def test_19_and_25_follow_the_terminals_allowed_messages(sip_server, terminal, patron_with_pin):
    Terminal.objects.filter(pk=terminal.pk).update(allowed_messages=["09", "17"])
    raw = RawClient(sip_server.port)
    raw.ask(login_frame())
    _, status = raw.ask("9900302.00\r")
    assert status.supported_messages[11:13] == "NN" and status.status_update_ok == "N"
    item = ItemFactory()
    frame = f"19{DATE}AOKGA|AB{item.barcode}|CHx|\r"
    _, answer = raw.ask(frame)
    assert isinstance(answer, ItemStatusUpdateResponse) and answer.item_properties_ok == "0"
    _, answer = raw.ask(enable_frame(patron_with_pin.card_number))
    assert isinstance(answer, PatronEnableResponse) and answer.valid_patron != "Y"
    assert not ItemProperties.objects.exists()


def test_login_refused_with_a_wrong_password_and_closed_after_three(sip_server, terminal):
    raw = RawClient(sip_server.port)
    for _ in range(3):
        _, answer = raw.ask(login_frame("wrong"))
        assert answer.ok == "0"
    assert raw.closed()


def test_no_message_before_login(sip_server, terminal):
    raw = RawClient(sip_server.port)
    _, answer = raw.ask(f"17{DATE}AOKGA|AB1|\r")
    assert answer.ok == "0"  # a login refusal (94)
    assert raw.closed()


def test_login_needs_the_desk_role_at_the_terminals_library(sip_server, terminal):
    StaffRole.objects.filter(user=terminal.user).delete()
    raw = RawClient(sip_server.port)
    assert raw.ask(login_frame())[1].ok == "0"


def test_messages_the_terminal_is_not_allowed_are_refused(sip_server, terminal, patron_with_pin):
    Terminal.objects.filter(pk=terminal.pk).update(allowed_messages=["09", "17"])
    raw = RawClient(sip_server.port)
    raw.ask(login_frame())
    _, status = raw.ask("9900302.00\r")
    assert status.checkout_ok == "N" and status.checkin_ok == "Y"
    _, answer = raw.ask(checkout_frame(patron_with_pin.card_number, ItemFactory().barcode))
    assert answer.ok == "0"
    assert not Loan.objects.exists()


def test_checksums_are_echoed_and_required_when_configured(sip_server, terminal):
    Terminal.objects.filter(pk=terminal.pk).update(checksums_required=True)
    raw = RawClient(sip_server.port)
    raw.ask(login_frame())
    frame, answer = raw.ask(encode_message_99(seq=4))
    assert answer.online_status == "Y" and b"AY4AZ" in frame
    # Without a trailer: a resend request, and after five the connection is closed.
    for _ in range(5):
        frame, _answer = raw.ask("9900302.00\r")
        assert frame.startswith(b"96")
    assert raw.closed()


def encode_message_99(seq: int) -> bytes:
    from pysip2 import SCStatusRequest

    return encode_message(
        SCStatusRequest(status_code="0", max_print_width="030", protocol_version="2.00"),
        sequence_number=seq,
        checksum=True,
    )


def test_resend_and_a_repeated_frame_do_not_lend_twice(client, patron_with_pin):
    from pysip2 import CheckoutRequest

    item = ItemFactory()
    frame = encode_message(
        CheckoutRequest(
            sc_renewal_policy="N",
            no_block="N",
            transaction_date=DATE,
            nb_due_date=DATE,
            institution_id="KGA",
            patron_identifier=patron_with_pin.card_number,
            item_identifier=item.barcode,
            terminal_password="",
            patron_password=PIN,
        ),
        sequence_number=2,
        checksum=True,
    )
    first, answer = client.ask(frame)
    assert answer.ok == "1"
    again, _ = client.ask(frame)  # the machine missed our answer and sends the same frame
    assert again == first
    resent, _ = client.ask("97\r")
    assert resent == first
    assert Loan.objects.filter(item=item).count() == 1


def test_cp850_terminal_gets_swedish_letters_in_its_charset(sip_server, terminal, patron_with_pin):
    Terminal.objects.filter(pk=terminal.pk).update(charset="cp850")
    raw = RawClient(sip_server.port, charset="cp850")
    raw.ask(login_frame())
    data, answer = raw.ask(f"23006{DATE}AOKGA|AA{patron_with_pin.card_number}|AC|AD{PIN}|\r")
    assert "Åsa".encode("cp850") in data
    assert answer.personal_name.startswith("Åsa")


def test_end_session_forgets_the_patrons_pin(client, patron_with_pin):
    from patrons.services import set_pin

    card = patron_with_pin.card_number
    assert client.ask(f"23006{DATE}AOKGA|AA{card}|AC|AD{PIN}|\r")[1].valid_patron_password == "Y"
    set_pin(patron=patron_with_pin, pin="9999")  # staff give a new PIN meanwhile
    _, answer = client.ask(f"35{DATE}AOKGA|AA{card}|\r")
    assert answer.end_session == "Y"
    _, answer = client.ask(checkout_frame(card, ItemFactory().barcode))  # the old PIN
    assert answer.ok == "0" and answer.screen_message == ("Fel PIN-kod.",)
    _, answer = client.ask(checkout_frame(card, ItemFactory().barcode, pin="9999"))
    assert answer.ok == "1"


def test_an_idle_connection_is_closed(transactional_db, terminal):
    with ServerThread(Config(host="127.0.0.1", port=0, threads=2, idle_seconds=0.5)) as running:
        raw = RawClient(running.port)
        raw.ask(login_frame())
        assert raw.closed()
