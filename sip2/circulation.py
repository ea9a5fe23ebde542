"""Answers to the circulation messages: checkout (11), checkin (09), renew (29), renew all (65),
item information (17), item status update (19), hold (15) and fee paid (37).

Every one calls the desk's services (``circulation.services``, ``renewals``, ``fees``,
``hold_services``): the same rules, refusal reasons, locks and transactions. The terminal's
library is where the loan or return happens; its login account is the "staff" on the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from catalog.models import Item, Record
from circulation import fees as fee_services
from circulation import renewals, services
from circulation.holds import services as hold_services
from circulation.holds.models import Hold
from circulation.models import Fee, Loan
from circulation.refusals import ALREADY_ON_LOAN, CirculationRefused
from libraries.models import Library
from patrons import selectors as patron_selectors
from patrons.models import Card
from sip2 import protocol
from sip2.errors import Denied
from sip2.handlers import require_patron, tz
from sip2.protocol import Response, count4, sip_date

if TYPE_CHECKING:
    from sip2.session import Session

ON_LOAN_TO_THIS_PATRON = "on_loan_to_this_patron"  # a refusal code helper i14a adds

# Item type code -> SIP2 media type (CK). Others: 000 "other".
MEDIA_TYPES = {
    "BOOK": "001",
    "REFERENCE": "001",
    "PERIODICAL": "002",
    "AUDIOBOOK": "006",
    "MUSIC": "006",
    "DVD": "006",
    "LANGCOURSE": "009",
}

# Item status -> SIP2 circulation status (18).
CIRCULATION_STATUS = {
    Item.Status.AVAILABLE: "03",
    Item.Status.ON_LOAN: "04",
    Item.Status.ON_HOLD_SHELF: "08",
    Item.Status.IN_TRANSIT: "10",
    Item.Status.LOST: "12",
    Item.Status.MISSING: "13",
}

# Check-in alert types (CV): hold here, hold elsewhere, send to another library.
ALERT_HOLD_HERE, ALERT_HOLD_ELSEWHERE, ALERT_TRANSIT = "01", "02", "04"


def _media_type(item: Item) -> str:
    return MEDIA_TYPES.get(item.item_type.code, "000") if item.item_type_id else "000"


def _due_text(due_at: datetime, session: Session) -> str:
    day = due_at.astimezone(tz(session)).date()
    return _("Due back %(date)s.") % {"date": formats.date_format(day, "DATE_FORMAT")}


def _refusal_reason(refused: CirculationRefused) -> str:
    return refused.reason


# --- Checkout --------------------------------------------------------------------------------


def checkout(session: Session, request: protocol.Request, now: datetime) -> Response:
    """11 -> 12. With the SC renewal policy "Y", scanning an item the patron already borrows
    renews it (the standard's meaning)."""
    card = require_patron(session, request, now)
    terminal = session.terminal
    barcode = request.get("AB")
    renewed = False
    try:
        loan = services.check_out(
            barcode=barcode,
            card_number=card,
            library=terminal.library,
            staff=terminal.user,
            now=now,
        )
    except CirculationRefused as refused:
        own = refused.reason in (ALREADY_ON_LOAN, ON_LOAN_TO_THIS_PATRON)
        if not (own and request.fixed.get("sc_renewal_policy") == "Y"):
            raise Denied(_refusal_reason(refused)) from None
        loan = _renew_own_loan(session, card=card, barcode=barcode, now=now)
        renewed = True
    item = loan.item
    return (
        Response("12", ["1", protocol.flag(renewed), "N", "Y", sip_date(now, tz(session))])
        .add("AO", terminal.institution)
        .add("AA", card)
        .add("AB", item.barcode)
        .add("AJ", item.record.title)
        .add("AH", sip_date(loan.due_at, tz(session)))
        .add("CK", _media_type(item))
        .add("AF", _due_text(loan.due_at, session))
    )


def _own_open_loan(*, card: str, barcode: str) -> Loan:
    """The open loan of the item with ``barcode``, if it is the card holder's. Two queries."""
    loan = (
        Loan.objects.open()
        .filter(item__barcode="".join(barcode.split()))
        .only("id", "patron_id")
        .first()
    )
    if loan is None or loan.patron_id is None:
        raise Denied("not_on_loan")
    if not Card.objects.filter(
        number=card, status=Card.Status.ACTIVE, patron_id=loan.patron_id
    ).exists():
        raise Denied("not_on_loan")
    return loan


def _renew_own_loan(session: Session, *, card: str, barcode: str, now: datetime) -> Loan:
    loan = _own_open_loan(card=card, barcode=barcode)
    try:
        return renewals.renew(
            loan=loan, library=session.terminal.library, staff=session.terminal.user, now=now
        )
    except CirculationRefused as refused:
        raise Denied(_refusal_reason(refused)) from None


# --- Checkin ---------------------------------------------------------------------------------


def _next_stop(result: services.CheckinResult) -> Library | str | None:
    """The first stop of the item's transfer (a sorter bin = a departure crate), else the
    destination library."""
    transfer = result.extra.get("transfer")
    if transfer is not None and transfer.route:
        hop = min(transfer.current_hop or 0, len(transfer.route) - 1)
        stop = transfer.route[hop].get("to")
        if stop:
            return stop
    return result.destination.code if result.destination else None


def sort_bin(terminal, key: str) -> str:
    """The terminal's bin for a destination key ("shelf", "hold_shelf" or a library code)."""
    bins = terminal.sort_bins if isinstance(terminal.sort_bins, dict) else {}
    return str(bins.get(key, key))[:20]


def checkin(session: Session, request: protocol.Request, now: datetime) -> Response:
    """09 -> 10: where the item goes (CT), its sorter bin (CL) and, for holds and transport,
    the alert type (CV)."""
    terminal = session.terminal
    try:
        result = services.check_in(
            barcode=request.get("AB"), library=terminal.library, staff=terminal.user, now=now
        )
    except CirculationRefused as refused:
        raise Denied(_refusal_reason(refused)) from None
    item = result.item
    here = terminal.library.code
    action = result.action
    if action == services.Action.HOLD_SHELF:
        alert, key, destination = ALERT_HOLD_HERE, "hold_shelf", here
    elif action == services.Action.HOLD_TRANSIT:
        alert, key = ALERT_HOLD_ELSEWHERE, _next_stop(result) or "transit"
        destination = result.destination.code if result.destination else ""
    elif action == services.Action.SEND_HOME:
        alert, key = ALERT_TRANSIT, _next_stop(result) or "transit"
        destination = result.destination.code if result.destination else ""
    else:
        alert, key, destination = None, "shelf", here
    lines = [
        _("Thank you! The item is returned.")
        if result.was_on_loan
        else _("The item was not on loan.")
    ]
    if result.fee is not None:
        lines.append(
            _("An overdue fee of %(amount)s SEK was charged.")
            % {"amount": formats.localize(result.fee.amount)}
        )
    response = (
        Response(
            "10", ["1", "Y", "N", protocol.flag(alert is not None), sip_date(now, tz(session))]
        )
        .add("AO", terminal.institution)
        .add("AB", item.barcode)
        .add("AQ", item.home_library.code)
        .add("AJ", item.record.title)
        .add("CL", sort_bin(terminal, key))
        .add("CT", destination)
        .add_optional("CV", alert)
        .add("CK", _media_type(item))
    )
    for line in lines:
        response.add("AF", line)
    return response


# --- Renewals --------------------------------------------------------------------------------


def renew(session: Session, request: protocol.Request, now: datetime) -> Response:
    """29 -> 30: one of the patron's loans, by item barcode."""
    card = require_patron(session, request, now)
    loan = _renew_own_loan(session, card=card, barcode=request.get("AB"), now=now)
    return (
        Response("30", ["1", "Y", "N", "Y", sip_date(now, tz(session))])
        .add("AO", session.terminal.institution)
        .add("AA", card)
        .add("AB", loan.item.barcode)
        .add("AJ", loan.item.record.title)
        .add("AH", sip_date(loan.due_at, tz(session)))
        .add("CK", _media_type(loan.item))
        .add("AF", _due_text(loan.due_at, session))
    )


def renew_all(session: Session, request: protocol.Request, now: datetime) -> Response:
    """65 -> 66: every loan of the patron; each one renewed or not on its own."""
    card = require_patron(session, request, now)
    patron = patron_selectors.patron_by_card(card)
    if patron is None:
        raise Denied("unknown_card")
    outcomes = renewals.renew_all(
        patron=patron, library=session.terminal.library, staff=session.terminal.user, now=now
    )
    renewed = [o.loan.item.barcode for o in outcomes if o.renewed]
    unrenewed = [o.loan.item.barcode for o in outcomes if not o.renewed]
    response = Response(
        "66", ["1", count4(len(renewed)), count4(len(unrenewed)), sip_date(now, tz(session))]
    ).add("AO", session.terminal.institution)
    for barcode in renewed:
        response.add("BM", barcode)
    for barcode in unrenewed:
        response.add("BN", barcode)
    response.add(
        "AF",
        _("Renewed %(renewed)d of %(total)d loans.")
        % {"renewed": len(renewed), "total": len(outcomes)},
    )
    return response


# --- Item information ------------------------------------------------------------------------


def item_information(session: Session, request: protocol.Request, now: datetime) -> Response:
    """17 -> 18: status, due date, hold queue, owner and location. Three queries at most."""
    barcode = "".join(request.get("AB").split())
    item = (
        Item.objects.select_related(
            "record", "item_type", "home_library", "current_library", "sip2_properties"
        )
        .only(
            "id", "barcode", "status", "record__id", "record__title", "item_type__code",
            "home_library__code", "current_library__code", "sip2_properties__properties",
        )
        .filter(barcode=barcode)
        .first()
    )  # fmt: skip
    if item is None or not barcode:
        raise Denied("unknown_item")
    due = None
    if item.status == Item.Status.ON_LOAN:
        due = Loan.objects.open().filter(item=item).values_list("due_at", flat=True).first()
    queue = Hold.objects.filter(record_id=item.record_id, state__in=Hold.ACTIVE_STATES).count()
    response = (
        Response(
            "18",
            [CIRCULATION_STATUS.get(item.status, "01"), "02", "01", sip_date(now, tz(session))],
        )
        .add("CF", str(queue))
        .add_optional("AH", sip_date(due, tz(session)) if due else None)
        .add("AB", item.barcode)
        .add("AJ", item.record.title)
        .add("BG", item.home_library.code)
        .add("CK", _media_type(item))
        .add("AQ", item.home_library.code)
        .add("AP", item.current_library.code)
    )
    kept = getattr(item, "sip2_properties", None)
    if kept is not None and kept.properties:
        response.add("CH", kept.properties)
    if due:
        response.add("AF", _due_text(due, session))
    return response


def item_status_update(session: Session, request: protocol.Request, now: datetime) -> Response:
    """19 -> 20: keep the terminal's item properties (CH) for the item; item information (18)
    sends them back. Two queries and the write."""
    from sip2 import services as sip2_services

    barcode = "".join(request.get("AB").split())
    item = Item.objects.select_related("record").only("id", "barcode", "record__title")
    item = item.filter(barcode=barcode).first() if barcode else None
    if item is None:
        raise Denied("unknown_item")
    properties = request.get("CH")
    sip2_services.set_item_properties(
        item=item, properties=properties, terminal=session.terminal, now=now
    )
    return (
        Response("20", ["1", sip_date(now, tz(session))])
        .add("AB", item.barcode)
        .add("AJ", item.record.title)
        .add("CH", properties)
        .add("AF", _("The item's properties are saved."))
    )


# --- Holds -----------------------------------------------------------------------------------


def _record_of(request: protocol.Request) -> tuple[Record, Item | None]:
    barcode = "".join(request.get("AB").split())
    if barcode:
        item = Item.objects.select_related("record").filter(barcode=barcode).first()
        if item is None:
            raise Denied("unknown_item")
        return item.record, item
    title_id = request.get("AJ")
    record = Record.objects.filter(pk=int(title_id)).first() if title_id.isdigit() else None
    if record is None:
        raise Denied("unknown_item")
    return record, None


def hold(session: Session, request: protocol.Request, now: datetime) -> Response:
    """15 -> 16: place (+) or cancel (-) a hold on the item's title; pickup at BS (a library
    code) or at the terminal's library. Modifying (*) is not offered."""
    card = require_patron(session, request, now)
    mode = request.fixed.get("hold_mode")
    if mode not in ("+", "-"):
        raise Denied("not_supported")
    patron = patron_selectors.patron_by_card(card)
    if patron is None:
        raise Denied("unknown_card")
    record, _item = _record_of(request)
    terminal = session.terminal
    pickup = terminal.library
    if request.get("BS"):
        pickup = Library.objects.filter(code=request.get("BS").upper()).first()
        if pickup is None:
            raise Denied("not_holdable")
    if mode == "-":
        placed = Hold.objects.active().filter(patron=patron, record=record).first()
        if placed is None:
            raise Denied("no_hold")
        hold_services.cancel_hold(hold=placed, now=now, staff=terminal.user)
        message = _("The reservation is cancelled.")
    else:
        try:
            placed = hold_services.place_hold(
                patron=patron, record=record, pickup_library=pickup, now=now, staff=terminal.user
            )
        except hold_services.HoldRefused as refused:
            raise Denied(refused.reason) from None
        message = _("Reserved. Pick it up at %(library)s.") % {"library": pickup.name}
    position = Hold.objects.filter(record=record, state=Hold.State.WAITING).count()
    return (
        Response("16", ["1", "N", sip_date(now, tz(session))])
        .add_optional("BR", str(position) if mode == "+" else None)
        .add("BS", pickup.code)
        .add("AO", terminal.institution)
        .add("AA", card)
        .add_optional("AB", request.get("AB"))
        .add("AJ", record.title)
        .add("AF", message)
    )


# --- Fees ------------------------------------------------------------------------------------


@transaction.atomic
def _pay(*, fees: list[Fee], session: Session, now: datetime) -> None:
    for fee in fees:
        fee_services.pay_fee(
            fee=fee, library=session.terminal.library, staff=session.terminal.user, now=now
        )


def fee_paid(session: Session, request: protocol.Request, now: datetime) -> Response:
    """37 -> 38: the machine took the money. It pays one fee (CG: the fee id from 64's AV
    list) or the oldest fees that add up to exactly the amount; anything else is refused, so
    staff settle it at the desk."""
    card = require_patron(session, request, now)
    paid = protocol.parse_amount(request.get("BV"))
    currency = request.fixed.get("currency_type", "").strip().upper()
    if paid is None or paid <= 0 or currency not in ("", "SEK"):
        raise Denied("amount_mismatch")
    patron = patron_selectors.patron_by_card(card)
    if patron is None:
        raise Denied("unknown_card")
    open_fees = list(Fee.objects.filter(patron=patron).unpaid().order_by("created_at", "id"))
    fee_id = request.get("CG")
    if fee_id:
        chosen = [f for f in open_fees if str(f.pk) == fee_id]
    else:
        chosen, total = [], 0
        for fee in open_fees:
            if total >= paid:
                break
            chosen.append(fee)
            total += fee.amount
    if not chosen or sum(f.amount for f in chosen) != paid:
        raise Denied("amount_mismatch")
    try:
        _pay(fees=chosen, session=session, now=now)
    except CirculationRefused as refused:
        raise Denied(refused.reason) from None
    return (
        Response("38", ["Y", sip_date(now, tz(session))])
        .add("AO", session.terminal.institution)
        .add("AA", card)
        .add_optional("BK", request.get("BK"))
        .add("AF", _("Thank you! %(amount)s SEK is paid.") % {"amount": formats.localize(paid)})
    )


# --- "No" answers ----------------------------------------------------------------------------


def refusal_response(code: str, date: str, institution: str, card: str, item: str) -> Response:
    """The "no" answer of a circulation message (and of any code without one of its own)."""
    if code == "11":
        fixed = ["0", "N", "U", "N", date]
        return (
            Response("12", fixed)
            .add("AO", institution)
            .add("AA", card)
            .add("AB", item)
            .add("AJ", "")
            .add("AH", "")
        )
    if code == "09":
        return (
            Response("10", ["0", "N", "U", "Y", date])
            .add("AO", institution)
            .add("AB", item)
            .add("AQ", "")
        )
    if code == "29":
        return (
            Response("30", ["0", "N", "U", "N", date])
            .add("AO", institution)
            .add("AA", card)
            .add("AB", item)
            .add("AJ", "")
            .add("AH", "")
        )
    if code == "65":
        return Response("66", ["0", count4(0), count4(0), date]).add("AO", institution)
    if code == "17":
        return Response("18", ["01", "00", "01", date]).add("AB", item).add("AJ", "")
    if code == "15":
        return Response("16", ["0", "N", date]).add("AO", institution).add("AA", card)
    if code == "37":
        return Response("38", ["N", date]).add("AO", institution).add("AA", card)
    if code == "19":
        return Response("20", ["0", date]).add("AB", item)
    # No message of its own (cannot happen for a code the parser accepts): a resend request.
    return Response("96")
