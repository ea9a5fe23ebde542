"""Answers to the terminal and patron messages: login (93), SC status (99), patron status (23),
patron information (63), end session (35), block patron (01), patron enable (25); the table of
all handlers; and
the "no" answer of every message. Circulation messages are in ``sip2.circulation``.

Handlers parse the request, call the same services and selectors as the desk, and build the
answer. They raise ``Denied`` to answer "no" with a screen text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation import config_cache, selectors
from libraries import policy
from libraries.access import cached_access
from patrons import opac_auth
from patrons import rules as patron_rules
from patrons import selectors as patron_selectors
from patrons import services as patron_services
from patrons.models import Patron
from sip2 import protocol, texts
from sip2.errors import Denied
from sip2.models import Terminal
from sip2.protocol import Response, count4, flag, sip_date

if TYPE_CHECKING:
    from sip2.session import Session

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PROTOCOL_VERSION = "2.00"
TIMEOUT_PERIOD = "030"  # seconds a machine waits for an answer before it retries
RETRIES_ALLOWED = "003"

# The order of the BX field of the ACS status (98), as the standard lists the messages.
BX_ORDER = (
    "23",  # patron status
    "11",  # checkout
    "09",  # checkin
    "01",  # block patron
    "99",  # SC/ACS status
    "97",  # request resend
    "93",  # login
    "63",  # patron information
    "35",  # end patron session
    "37",  # fee paid
    "17",  # item information
    "19",  # item status update
    "25",  # patron enable
    "15",  # hold
    "29",  # renew
    "65",  # renew all
)
ALWAYS = frozenset({"99", "97", "93"})
# The request codes answered after login (``sip2.dispatch.table`` maps each to its function).
MESSAGES = frozenset(
    {"99", "23", "63", "35", "01", "25", "19", "11", "09", "29", "65", "17", "15", "37"}
)


def tz(session: Session) -> ZoneInfo:
    return ZoneInfo(session.terminal.library.timezone or "Europe/Stockholm")


def now_18(session: Session, now: datetime | None = None) -> str:
    zone = tz(session) if session.terminal else STOCKHOLM
    return sip_date(now or timezone.now(), zone)


# --- Login and status ----------------------------------------------------------------------


def login(session: Session, request: protocol.Request) -> tuple[Response, bool]:
    """93: the terminal's account and password; it must hold the login role at its library."""
    username, password = request.get("CN"), request.get("CO")
    user = authenticate(username=username, password=password) if username and password else None
    terminal = None
    if user is not None:
        terminal = (
            Terminal.objects.select_related("library", "user")
            .filter(user=user, enabled=True)
            .first()
        )
    ok = terminal is not None and cached_access(user).may(policy.SIP2_LOGIN, terminal.library)
    if ok:
        session.logged_in(terminal)
        Terminal.objects.filter(pk=terminal.pk).update(last_login_at=timezone.now())
    return Response("94", ["1" if ok else "0"]), ok


def login_refused() -> Response:
    return Response("94", ["0"])


def supported(session: Session | None) -> str:
    terminal = session.terminal if session else None
    access = session.access() if terminal else None
    marks = []
    for code in BX_ORDER:
        if code in ALWAYS:
            marks.append("Y" if terminal else "N")
            continue
        marks.append(
            flag(
                terminal is not None
                and code in MESSAGES
                and code in policy.SIP2_MESSAGES
                and terminal.allows(code)
                and access.may(policy.SIP2_MESSAGES[code], terminal.library)
            )
        )
    return "".join(marks)


def offline_status() -> Response:
    """98 before login: nothing is offered until the terminal has logged in."""
    return (
        Response(
            "98",
            [
                "N",
                "N",
                "N",
                "N",
                "N",
                "N",
                TIMEOUT_PERIOD,
                RETRIES_ALLOWED,
                sip_date(timezone.now(), STOCKHOLM),
                PROTOCOL_VERSION,
            ],
        )
        .add("AO", "")
        .add("BX", "N" * 16)
    )


def sc_status(session: Session, request: protocol.Request, now: datetime) -> Response:
    """99 -> 98: what this terminal may do, truthfully (its allowed messages and roles)."""
    bx = supported(session)
    terminal = session.terminal
    on = dict(zip(BX_ORDER, bx, strict=True))
    return (
        Response(
            "98",
            [
                "Y",  # online
                on["09"],  # checkin ok
                on["11"],  # checkout ok
                on["29"],  # ACS renewal policy: renewals allowed
                on["19"],  # status update ok: item properties are kept (19)
                "N",  # no offline transactions
                TIMEOUT_PERIOD,
                RETRIES_ALLOWED,
                sip_date(now, tz(session)),
                PROTOCOL_VERSION,
            ],
        )
        .add("AO", terminal.institution)
        .add("AM", terminal.library.name)
        .add("BX", bx)
        .add_optional("AN", terminal.location)
    )


# --- The patron ------------------------------------------------------------------------------


@dataclass
class PatronView:
    card: str
    patron: Patron | None
    card_status: str | None  # active / lost / replaced / None (never issued)
    facts: selectors.PatronCirculationFacts | None = None
    borrow: patron_rules.Verdict | None = None
    renew: patron_rules.Verdict | None = None
    holds: patron_rules.Verdict | None = None

    @property
    def valid(self) -> bool:
        return self.patron is not None


def patron_view(card: str, now: datetime) -> PatronView:
    """Who the card belongs to and what they may do. Two queries (three for an unknown card)."""
    patron = patron_selectors.patron_by_card(card)
    if patron is None:
        return PatronView(card, None, patron_selectors.card_status(card) if card else None)
    facts = selectors.patron_facts(patron, now=now)
    consortium = config_cache.config().consortium
    patron_facts = patron_selectors.build_facts(
        patron=patron,
        debt=facts.debt,
        oldest_overdue_days=facts.oldest_overdue_days,
        consortium=consortium,
    )
    today = timezone.localdate(now)
    return PatronView(
        card,
        patron,
        "active",
        facts=facts,
        borrow=patron_rules.may_borrow(patron_facts, today),
        renew=patron_rules.may_renew(patron_facts, today),
        holds=patron_rules.may_place_holds(patron_facts, today),
    )


def status_flags(view: PatronView, *, max_loans: int | None = None) -> str:
    """The 14 "patron status" flags (Y = denied / too many)."""
    if view.patron is None:
        lost = view.card_status in ("lost", "replaced")
        return "YYYY" + flag(lost).replace("N", " ") + " " * 9
    borrow_reasons = set(view.borrow.reasons)
    marks = [
        not view.borrow.allowed,  # charge privileges denied
        not view.renew.allowed,  # renewal privileges denied
        False,  # recall privileges denied (no recalls)
        not view.holds.allowed,  # hold privileges denied
        False,  # card reported lost (an active card is not)
        max_loans is not None and view.facts.open_loans >= max_loans,  # too many charged
        patron_rules.OVERDUE in borrow_reasons,  # too many overdue
        False,  # too many renewals
        False,  # too many claims of items returned
        False,  # too many items lost
        patron_rules.DEBT in borrow_reasons,  # excessive outstanding fines
        patron_rules.DEBT in borrow_reasons,  # excessive outstanding fees
        False,  # recall overdue
        False,  # too many items billed
    ]
    return "".join("Y" if m else " " for m in marks)


def check_pin(session: Session, card: str, pin: str, now: datetime) -> str:
    """ "ok", "invalid" or "locked": through the OPAC's lockout counter (shared by every
    process), so a terminal is no PIN oracle. A PIN already checked on this connection is
    not checked (nor counted) again."""
    if session.knows_pin(card, pin):
        return "ok"
    try:
        opac_auth.authenticate_patron(card_number=card, pin=pin, now=now)
    except opac_auth.LoginRefused as refused:
        return "invalid" if refused.reason == "invalid" else "locked"
    session.remember_pin(card, pin)
    return "ok"


def require_patron(session: Session, request: protocol.Request, now: datetime) -> str:
    """The card number of a patron who may act here, or Denied: a PIN is checked when the
    terminal requires one or the machine sent one."""
    card = request.get("AA")
    if not card:
        raise Denied("unknown_card")
    pin = request.get("AD")
    if not pin and session.terminal.pin_required:
        raise Denied("pin_missing")
    if pin:
        state = check_pin(session, card, pin, now)
        if state != "ok":
            raise Denied("invalid_pin" if state == "invalid" else "pin_locked")
    return card


def _pin_answer(session: Session, request: protocol.Request, view: PatronView, now) -> str | None:
    """CQ: Y/N when a PIN was sent, None when not."""
    pin = request.get("AD")
    if not pin:
        return None
    if view.patron is None:
        # Counted like a real card, so an unknown number answers like a wrong PIN.
        check_pin(session, view.card, pin, now)
        return "N"
    return "Y" if check_pin(session, view.card, pin, now) == "ok" else "N"


def _screen_for(view: PatronView, pin_ok: str | None, session: Session) -> list[str]:
    if view.patron is None:
        return [
            texts.screen_message("unknown_card" if view.card_status is None else "card_not_active")
        ]
    if pin_ok == "N":
        return [texts.screen_message("invalid_pin")]
    if pin_ok is None and session.terminal.pin_required:
        return [texts.screen_message("pin_missing")]
    if view.borrow.blocks:
        return [texts.screen_message(view.borrow.blocks[0].reason)]
    return [_("Welcome, %(name)s!") % {"name": view.patron.first_name}]


def _shows_personal_data(session: Session, pin_ok: str | None) -> bool:
    return pin_ok == "Y" or (pin_ok is None and not session.terminal.pin_required)


def patron_status(session: Session, request: protocol.Request, now: datetime) -> Response:
    """23 -> 24."""
    view = patron_view(request.get("AA"), now)
    pin_ok = _pin_answer(session, request, view, now)
    personal = view.valid and _shows_personal_data(session, pin_ok)
    response = Response(
        "24",
        [status_flags(view), _language_code(request), sip_date(now, tz(session))],
    )
    response.add("AO", session.terminal.institution).add("AA", view.card)
    response.add("AE", view.patron.full_name if personal else "")
    response.add("BL", flag(view.valid))
    response.add_optional("CQ", pin_ok)
    if personal:
        response.add("BH", "SEK").add("BV", protocol.amount(view.facts.debt))
    for line in _screen_for(view, pin_ok, session):
        response.add("AF", line)
    return response


def _language_code(request: protocol.Request) -> str:
    lang = translation_language()
    given = request.fixed.get("language", "000")
    return given if given.isdigit() and len(given) == 3 else texts.LANGUAGE_CODES.get(lang, "000")


def translation_language() -> str:
    from django.utils.translation import get_language

    return (get_language() or "sv")[:2]


def patron_information(session: Session, request: protocol.Request, now: datetime) -> Response:
    """63 -> 64: counts always; with a valid PIN (or a terminal that needs none), the lists
    the summary field asks for (one at a time, BP/BQ for the range)."""
    from sip2 import patron_lists

    view = patron_view(request.get("AA"), now)
    pin_ok = _pin_answer(session, request, view, now)
    personal = view.valid and _shows_personal_data(session, pin_ok)
    lists = patron_lists.for_patron(view.patron, now=now) if personal else patron_lists.EMPTY
    consortium = config_cache.config().consortium
    response = Response(
        "64",
        [
            status_flags(view),
            _language_code(request),
            sip_date(now, tz(session)),
            count4(len(lists.hold_items)),
            count4(view.facts.overdue_loans if personal else 0),
            count4(view.facts.open_loans if personal else 0),
            count4(len(lists.fine_items)),
            count4(0),
            count4(len(lists.unavailable_holds)),
        ],
    )
    response.add("AO", session.terminal.institution).add("AA", view.card)
    response.add("AE", view.patron.full_name if personal else "")
    response.add("BL", flag(view.valid))
    response.add_optional("CQ", pin_ok)
    if personal:
        response.add("BH", "SEK").add("BV", protocol.amount(view.facts.debt))
        response.add("CC", protocol.amount(consortium.max_debt))
        summary = request.fixed.get("summary", "")
        start, end = protocol.range_of(request.get("BP"), request.get("BQ"))
        for position, field_id in enumerate(("AS", "AT", "AU", "AV", "BU", "CD")):
            if position < len(summary) and summary[position] in "Yy":
                for value in lists.field(field_id, now=now)[start:end]:
                    response.add(field_id, value)
                break  # the standard: one list per request
    for line in _screen_for(view, pin_ok, session):
        response.add("AF", line)
    return response


def end_session(session: Session, request: protocol.Request, now: datetime) -> Response:
    """35 -> 36: forget the patron's PIN on this connection."""
    session.forget_patron()
    return (
        Response("36", ["Y", sip_date(now, tz(session))])
        .add("AO", session.terminal.institution)
        .add("AA", request.get("AA"))
        .add("AF", _("Thank you. Welcome back!"))
    )


def block_patron(session: Session, request: protocol.Request, now: datetime) -> Response:
    """01 -> 24: a manual block, in the terminal's name, with the machine's message."""
    view = patron_view(request.get("AA"), now)
    if view.patron is None:
        raise Denied("unknown_card")
    reason = request.get("AL") or _("Blocked by a self-service machine")
    reason = f"{reason} ({session.terminal})"
    patron_services.add_block(
        patron=view.patron,
        reason=reason,
        library=session.terminal.library,
        staff=session.terminal.user,
        now=now,
    )
    view = patron_view(view.card, now)
    return (
        Response("24", [status_flags(view), _language_code(request), sip_date(now, tz(session))])
        .add("AO", session.terminal.institution)
        .add("AA", view.card)
        .add("AE", "")
        .add("BL", "Y")
        .add("AF", texts.screen_message("manual_block"))
    )


def patron_enable(session: Session, request: protocol.Request, now: datetime) -> Response:
    """25 -> 26: lift the blocks that terminals set with "block patron" (01), as Koha's SIP
    server re-enables a patron a machine blocked. Blocks set by staff stay (the answer still
    shows the patron blocked and says to ask the staff). The PIN is checked as for checkout."""
    from sip2 import services as sip2_services

    card = require_patron(session, request, now)
    view = patron_view(card, now)
    if view.patron is None:
        raise Denied("unknown_card")
    sip2_services.lift_terminal_blocks(patron=view.patron, terminal=session.terminal, now=now)
    view = patron_view(card, now)
    pin_ok = "Y" if request.get("AD") else None
    personal = _shows_personal_data(session, pin_ok)
    response = (
        Response("26", [status_flags(view), _language_code(request), sip_date(now, tz(session))])
        .add("AO", session.terminal.institution)
        .add("AA", card)
        .add("AE", view.patron.full_name if personal else "")
        .add("BL", "Y")
        .add_optional("CQ", pin_ok)
    )
    if view.borrow.blocks:
        return response.add("AF", texts.screen_message(view.borrow.blocks[0].reason))
    return response.add("AF", _("Your card works again."))
