"""PURE: the SIP2 wire format. Read a request leniently, write a response strictly.

A frame is a two-digit command code, fixed-width fields, identified fields ``XXvalue|`` and
an optional error-detection trailer ``AY<sequence digit>AZ<4 hex digits>``, ended by a CR.
What real machines send varies, so reading accepts: CR, CRLF or LF terminators (the server
splits frames), identified fields in any order, a last field without its ``|``, a missing AY,
a checksum of fewer than four hex digits (a PyPI client drops leading zeros), checksums summed
over bytes or over characters, and blank (all-space) or missing 18-character dates. Writing
is always exact: fixed fields at their width, values without separators or control
characters, at most 255 bytes, the checksum as four upper-case hex digits.

No Django, no database, no clock: the caller passes times in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

FIELD_SEP = "|"
MAX_VALUE_BYTES = 255

# The fixed fields of every request the server reads, in wire order (name, width).
REQUEST_LAYOUTS: dict[str, tuple[tuple[str, int], ...]] = {
    "93": (("uid_algorithm", 1), ("pwd_algorithm", 1)),
    "99": (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    "97": (),
    "23": (("language", 3), ("transaction_date", 18)),
    "63": (("language", 3), ("transaction_date", 18), ("summary", 10)),
    "11": (
        ("sc_renewal_policy", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "09": (("no_block", 1), ("transaction_date", 18), ("return_date", 18)),
    "29": (
        ("third_party_allowed", 1),
        ("no_block", 1),
        ("transaction_date", 18),
        ("nb_due_date", 18),
    ),
    "65": (("transaction_date", 18),),
    "17": (("transaction_date", 18),),
    "35": (("transaction_date", 18),),
    "15": (("hold_mode", 1), ("transaction_date", 18)),
    "37": (
        ("transaction_date", 18),
        ("fee_type", 2),
        ("payment_type", 2),
        ("currency_type", 3),
    ),
    "01": (("card_retained", 1), ("transaction_date", 18)),
    "19": (("transaction_date", 18),),
    "25": (("transaction_date", 18),),
}

# The error-detection trailer: AY<digit> is optional, AZ<hex> ends the frame.
_TRAILER = re.compile(rb"(?:AY([0-9]))?AZ([0-9A-Fa-f]{1,4})$")
_DATE = re.compile(r"[0-9 ]{8}[0-9A-Z ]{4}[0-9 ]{6}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f|]")


class FrameError(Exception):
    """The frame cannot be read: ``reason`` is a stable code (checksum, short, unknown, ...)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Request:
    code: str
    fixed: dict[str, str] = field(default_factory=dict)
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sequence: str | None = None  # the AY digit, echoed in the answer
    checksummed: bool = False

    def get(self, field_id: str, default: str = "") -> str:
        """The first value of an identified field, stripped of surrounding blanks."""
        values = self.fields.get(field_id)
        return values[0].strip() if values else default

    def has(self, field_id: str) -> bool:
        return field_id in self.fields


def checksum(data: bytes) -> str:
    """Four upper-case hex digits: the two's complement of the low 16 bits of the byte sum."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


def _checksum_ok(prefix: bytes, given: int, charset: str) -> bool:
    if (sum(prefix) + given) & 0xFFFF == 0:
        return True
    # Some clients sum characters, not bytes: the same for ASCII, different for "å".
    try:
        text = prefix.decode(charset)
    except UnicodeDecodeError:
        return False
    return (sum(ord(c) for c in text) + given) & 0xFFFF == 0


def parse(frame: bytes, *, charset: str = "utf-8") -> Request:
    """Read one frame (its terminator already removed). Raises ``FrameError``."""
    frame = frame.strip(b"\r\n")
    sequence, checksummed = None, False
    trailer = _TRAILER.search(frame)
    if trailer is not None:
        end_of_prefix = trailer.start(2)  # just after "AZ"
        if not _checksum_ok(frame[:end_of_prefix], int(trailer.group(2), 16), charset):
            raise FrameError("checksum")
        sequence = trailer.group(1).decode() if trailer.group(1) else None
        checksummed = True
        frame = frame[: trailer.start()]
    if len(frame) < 2:
        raise FrameError("short")
    try:
        text = frame.decode(charset)
    except UnicodeDecodeError as error:
        raise FrameError("charset", str(error)) from None
    code = text[:2]
    layout = REQUEST_LAYOUTS.get(code)
    if layout is None:
        raise FrameError("unknown", code if code.isprintable() else "")
    fixed: dict[str, str] = {}
    cursor = 2
    for name, width in layout:
        value = text[cursor : cursor + width]
        if width == 18 and not _DATE.fullmatch(value):
            # No date where one belongs (a client that leaves it out): read it as blank.
            fixed[name] = " " * 18
            continue
        if len(value) != width:
            raise FrameError("short", name)
        fixed[name] = value
        cursor += width
    fields: dict[str, list[str]] = {}
    for chunk in text[cursor:].split(FIELD_SEP):
        if len(chunk) < 2:
            continue  # the empty piece after the last "|" (or stray noise)
        field_id = chunk[:2]
        if not field_id.isalnum():
            raise FrameError("field", "identifier")
        fields.setdefault(field_id.upper(), []).append(chunk[2:])
    return Request(
        code=code,
        fixed=fixed,
        fields={k: tuple(v) for k, v in fields.items()},
        sequence=sequence,
        checksummed=checksummed,
    )


def clean(value: object, charset: str) -> str:
    """A value that can stand in an identified field: no separators or control characters,
    characters the charset lacks replaced by "?", at most 255 bytes."""
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    data = text.encode(charset, errors="replace")[:MAX_VALUE_BYTES]
    return data.decode(charset, errors="ignore")


@dataclass
class Response:
    """An answer being built: the code, fixed fields (exact widths) and identified fields."""

    code: str
    fixed: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_id: str, value: object) -> Response:
        self.fields.append((field_id, "" if value is None else str(value)))
        return self

    def add_optional(self, field_id: str, value: object) -> Response:
        if value not in (None, ""):
            self.add(field_id, value)
        return self

    def get(self, field_id: str) -> str | None:
        return next((v for f, v in self.fields if f == field_id), None)


def encode(
    response: Response,
    *,
    charset: str = "utf-8",
    sequence: str | None = None,
    with_checksum: bool = False,
) -> bytes:
    """The frame for ``response``, ended by CR; with the AY/AZ trailer when asked."""
    body = bytearray(response.code.encode("ascii"))
    for value in response.fixed:
        body += value.encode("ascii")
    for field_id, value in response.fields:
        body += field_id.encode("ascii") + clean(value, charset).encode(charset) + b"|"
    if with_checksum:
        if response.code not in ("96", "97"):
            body += b"AY" + (sequence if sequence and sequence.isdigit() else "0").encode()
        body += b"AZ"
        body += checksum(bytes(body)).encode("ascii")
    return bytes(body) + b"\r"


# --- Values ------------------------------------------------------------------------------


def sip_date(moment: datetime | None, tz: ZoneInfo) -> str:
    """YYYYMMDDZZZZHHMMSS in local time (four blanks for the zone, as the standard prefers)."""
    if moment is None:
        return " " * 18
    local = moment.astimezone(tz)
    return local.strftime("%Y%m%d") + "    " + local.strftime("%H%M%S")


def flag(value: bool) -> str:
    return "Y" if value else "N"


def count4(value: int) -> str:
    return f"{max(0, min(int(value), 9999)):04d}"


def amount(value) -> str:
    """A money amount as SIP2 writes it: digits and a decimal point."""
    return f"{value:.2f}"


def parse_amount(text: str):
    """A BV amount ("12.50", "12,50", "12") as Decimal, or None when it is no amount."""
    text = (text or "").strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def range_of(start: str, end: str, *, default_size: int = 100) -> tuple[int, int]:
    """BP/BQ (1-based, inclusive) as a slice; lenient about blanks and nonsense."""
    first = int(start) if start.isdigit() and int(start) > 0 else 1
    last = int(end) if end.isdigit() and int(end) >= first else first + default_size - 1
    return first - 1, min(last, first - 1 + default_size)
