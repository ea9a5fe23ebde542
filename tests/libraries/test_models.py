from datetime import date

import pytest
from django.db import IntegrityError

from libraries.models import CalendarException, Library, StaffRole


def test_the_consortium_has_five_libraries_and_the_book_bus(libraries):
    assert set(libraries) == {"DEG", "HFS", "KGA", "KHM", "STO", "BUS"}
    assert list(Library.objects.members().values_list("code", flat=True)) == [
        "DEG",
        "HFS",
        "KGA",
        "KHM",
        "STO",
    ]
    assert libraries["STO"].county == "Värmlands län"
    assert libraries["KGA"].county == "Örebro län"
    assert libraries["BUS"].kind == Library.Kind.BOOKBUS
    assert all(lib.timezone == "Europe/Stockholm" for lib in libraries.values())


def test_library_calendar_reads_admin_closed_days(libraries):
    kga = libraries["KGA"]
    CalendarException.objects.create(library=kga, date=date(2026, 12, 1), reason="Inventering")
    calendar = kga.calendar()
    from libraries.calendar import is_open, next_open_day

    assert not is_open(calendar, date(2026, 12, 1))
    assert next_open_day(calendar, date(2026, 12, 1)) == date(2026, 12, 2)


def test_one_exception_per_library_and_day(libraries):
    CalendarException.objects.create(library=libraries["DEG"], date=date(2026, 12, 1))
    with pytest.raises(IntegrityError):
        CalendarException.objects.create(library=libraries["DEG"], date=date(2026, 12, 1))


def test_consortium_admin_role_has_no_library(libraries, desk_staff_karlskoga):
    with pytest.raises(IntegrityError):
        StaffRole.objects.create(
            user=desk_staff_karlskoga,
            library=libraries["KGA"],
            role=StaffRole.Role.CONSORTIUM_ADMIN,
        )


def test_library_role_needs_a_library(desk_staff_karlskoga):
    with pytest.raises(IntegrityError):
        StaffRole.objects.create(user=desk_staff_karlskoga, library=None, role=StaffRole.Role.DESK)
