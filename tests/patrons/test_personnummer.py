"""The personnummer table: valid and invalid numbers, coordination numbers, 100+ year olds."""

from datetime import date

import pytest

from patrons import personnummer as pnr

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("typed", "digits", "born", "coordination"),
    [
        ("811218-9876", "198112189876", date(1981, 12, 18), False),
        ("8112189876", "198112189876", date(1981, 12, 18), False),
        ("19811218-9876", "198112189876", date(1981, 12, 18), False),
        ("198112189876", "198112189876", date(1981, 12, 18), False),
        (" 811218 - 9876 ", "198112189876", date(1981, 12, 18), False),
        ("121212-1212", "201212121212", date(2012, 12, 12), False),
        # "+": aged 100 or more
        ("121212+1212", "191212121212", date(1912, 12, 12), False),
        ("190101+2342", "191901012342", date(1919, 1, 1), False),
        ("190101-2342", "201901012342", date(2019, 1, 1), False),
        # born later in the year than today with the current two year digits: a century ago
        ("260701-1232", "192607011232", date(1926, 7, 1), False),
        # samordningsnummer: day + 60
        ("701063-2342", "197010632342", date(1970, 10, 3), True),
        ("120377-1231", "201203771231", date(2012, 3, 17), True),
        # 29 February in a leap year
        ("000229-1235", "200002291235", date(2000, 2, 29), False),
    ],
)
def test_valid_personnummer_is_normalised_to_twelve_digits(typed, digits, born, coordination):
    parsed = pnr.parse(typed, today=TODAY)
    assert parsed.digits == digits
    assert parsed.birth_date == born
    assert parsed.is_coordination_number is coordination


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "format"),
        ("abc", "format"),
        ("81121-89876", "format"),
        ("811218/9876", "format"),
        ("1981121898761", "format"),
        ("811218-9875", "checksum"),
        ("8112189877", "checksum"),
        ("851299-9874", "date"),  # day 99 - 60 = 39
        ("811318-1237", "date"),  # month 13
        ("810230-1234", "date"),  # 30 February
        ("010229-1234", "date"),  # 2001 is no leap year
        ("20300101-1232", "future"),
    ],
)
def test_invalid_personnummer_is_refused_with_a_reason(typed, reason):
    with pytest.raises(pnr.InvalidPersonnummer) as refused:
        pnr.parse(typed, today=TODAY)
    assert refused.value.reason == reason
    assert str(refused.value.message)


def test_mask_hides_the_last_four_digits():
    assert pnr.mask("198112189876") == "19811218-****"
    assert pnr.mask(None) == ""
    assert pnr.format_personnummer("198112189876") == "19811218-9876"
