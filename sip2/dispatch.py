"""Which function answers which SIP2 message, and every message's "no" answer.

Above both ``sip2.handlers`` (status, patron and session messages) and ``sip2.circulation``
(loans, returns, renewals, holds, fees), which import neither this module nor each other's
callers; ``sip2.session`` asks here.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from sip2 import circulation, handlers, protocol, texts
from sip2.errors import Denied
from sip2.handlers import _language_code, tz
from sip2.protocol import Response, count4, sip_date

if TYPE_CHECKING:
    from sip2.session import Session

# --- "No": every message's refusal answer -----------------------------------------------------


def refusal(session: Session, request: protocol.Request, now: datetime, denied: Denied) -> Response:
    """The message's own "no" answer with a screen text for ``denied.reason``."""
    text = denied.message or texts.screen_message(denied.reason)
    date = sip_date(now, tz(session))
    institution = session.terminal.institution
    card, item = request.get("AA"), request.get("AB")
    code = request.code
    if code in ("23", "01", "63", "25"):
        fixed = ["Y" * 4 + " " * 10, _language_code(request), date]
        if code == "63":
            fixed += [count4(0)] * 6
        response = Response({"63": "64", "25": "26"}.get(code, "24"), fixed)
        response.add("AO", institution).add("AA", card).add("AE", "").add("BL", "N")
    elif code == "35":
        response = Response("36", ["N", date]).add("AO", institution).add("AA", card)
    elif code == "99":
        response = handlers.offline_status()
    else:
        response = circulation.refusal_response(code, date, institution, card, item)
    return response.add("AF", text)


@functools.cache
def table() -> dict:
    """Request code -> handler."""
    return {
        "99": handlers.sc_status,
        "23": handlers.patron_status,
        "63": handlers.patron_information,
        "35": handlers.end_session,
        "01": handlers.block_patron,
        "25": handlers.patron_enable,
        "19": circulation.item_status_update,
        "11": circulation.checkout,
        "09": circulation.checkin,
        "29": circulation.renew,
        "65": circulation.renew_all,
        "17": circulation.item_information,
        "15": circulation.hold,
        "37": circulation.fee_paid,
    }
