"""The SIP2 wire format (pure, no database): lenient reading, strict writing."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pysip2 import decode_message

from sip2 import protocol
from sip2.protocol import FrameError, Response, checksum, encode, parse

STHLM = ZoneInfo("Europe/Stockholm")
DATE = "20250312    120000"


def with_trailer(body: str, seq: str = "1", charset: str = "utf-8") -> bytes:
    prefix = f"{body}AY{seq}AZ".encode(charset)
    return prefix + checksum(prefix).encode()


def test_checksum_of_the_standards_example():
    # The standard's worked example: a checkin message.
    prefix = (
        b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    )
    assert checksum(prefix) == "EB80"


@pytest.mark.parametrize("terminator", [b"", b"\r", b"\r\n", b"\n"])
def test_any_terminator_is_accepted(terminator):
    request = parse(b"2300020250312    120000AOKGA|AA123|AC|AD1234|" + terminator)
    assert (request.code, request.get("AA"), request.get("AD")) == ("23", "123", "1234")


def test_fields_in_any_order_and_last_field_without_separator():
    request = parse(b"2300020250312    120000AD9|AA123|AOKGA")
    assert request.get("AO") == "KGA"
    assert request.get("AD") == "9"


def test_blank_dates_are_accepted():
    request = parse(("11YN" + " " * 36 + "AOKGA|AA1|AB2|AC|").encode())
    assert request.fixed["transaction_date"] == " " * 18
    assert request.get("AB") == "2"


def test_a_missing_date_is_read_as_blank():
    # The PyPI "sip2" client sends renew all without its transaction date.
    request = parse(b"65AOKGA|AA123|AD9|")
    assert request.fixed["transaction_date"] == " " * 18
    assert request.get("AA") == "123"


def test_sequence_and_checksum_are_read_and_verified():
    request = parse(with_trailer("9900302.00", seq="7"))
    assert (request.code, request.sequence, request.checksummed) == ("99", "7", True)


def test_checksum_without_sequence_number():
    prefix = b"9900302.00AZ"
    request = parse(prefix + checksum(prefix).encode())
    assert request.checksummed and request.sequence is None


def test_checksum_of_three_hex_digits_is_accepted():
    # The PyPI "sip2" client does not pad its checksum to four digits.
    # (A checksum starts with 0 only when the bytes add up to over 61,440: a long frame.)
    for n in range(5000):
        prefix = f"1720250312    120000AOKGA|AB{n}|AF{'x' * 500}|AY0AZ".encode()
        value = checksum(prefix)
        if value.startswith("0"):
            assert parse(prefix + value.lstrip("0").encode()).checksummed
            return
    raise AssertionError("no checksum with a leading zero in the sample")


def test_checksum_summed_over_characters_is_accepted():
    body = "2300020250312    120000AOKGA|AAÅsa|AC|"
    prefix = f"{body}AY1AZ"
    by_chars = f"{(-sum(ord(c) for c in prefix)) & 0xFFFF:04X}"
    assert parse((prefix + by_chars).encode()).get("AA") == "Åsa"


def test_wrong_checksum_is_a_frame_error():
    frame = bytearray(with_trailer("9900302.00"))
    frame[3] = ord("1")
    with pytest.raises(FrameError) as error:
        parse(bytes(frame))
    assert error.value.reason == "checksum"


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"", "short"),
        (b"9", "short"),
        (b"XX123", "unknown"),
        (b"88", "unknown"),
        (b"2300", "short"),
        (b"\xff\xfe", "charset"),
        (b"2300020250312    120000\x01\x02x|", "field"),
    ],
)
def test_unreadable_frames(frame, reason):
    with pytest.raises(FrameError) as error:
        parse(frame)
    assert error.value.reason == reason


def test_cp850_and_latin1_names():
    for charset in ("cp850", "iso-8859-1"):
        frame = "2300620250312    120000AOKGA|AAÅke Öström|AC|".encode(charset)
        assert parse(frame, charset=charset).get("AA") == "Åke Öström"


def test_encode_is_strict_and_checksummed():
    response = Response("24", [" " * 14, "006", DATE]).add("AO", "KGA").add("AA", "1|2\r3")
    response.add("AE", "Åsa " + "x" * 400)
    data = encode(response, sequence="3", with_checksum=True)
    assert data.endswith(b"\r") and b"1 2 3" in data
    decoded = decode_message(data, encoding="utf-8")
    assert decoded.sequence_number == 3
    assert len(decoded.message.personal_name.encode()) <= 255


def test_encode_replaces_characters_the_charset_lacks():
    data = encode(Response("94", ["1"]).add("AF", "Łódź"), charset="iso-8859-1")
    assert data == b"941AF?\xf3d?|\r"


def test_resend_request_has_only_a_checksum():
    data = encode(Response("96"), with_checksum=True)
    assert data.startswith(b"96AZ") and len(data) == 9


def test_sip_date_is_local_time():
    moment = datetime(2025, 3, 12, 11, 0, tzinfo=UTC)
    assert protocol.sip_date(moment, STHLM) == "20250312    120000"
    assert protocol.sip_date(None, STHLM) == " " * 18


@pytest.mark.parametrize(
    ("text", "value"),
    [("12.50", Decimal("12.50")), ("12,5", Decimal("12.5")), ("7", Decimal("7")), ("x", None)],
)
def test_amounts(text, value):
    assert protocol.parse_amount(text) == value


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [("", "", (0, 100)), ("1", "5", (0, 5)), ("3", "2", (2, 102)), ("0", "x", (0, 100))],
)
def test_item_ranges(start, end, expected):
    assert protocol.range_of(start, end) == expected
