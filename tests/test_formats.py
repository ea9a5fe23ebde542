"""One way to write dates, numbers and money: Django's localisation with the project's format
modules (config/formats/sv, config/formats/en), never a format spelled out in a template."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation

from libraries.formats import format_money

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NAMED = {
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "DATETIME_FORMAT",
    "TIME_FORMAT",
    "DAY_FORMAT",
    "DAY_TIME_FORMAT",
    "LONG_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}
DATE_ARG = re.compile(r"""\|(?:date|time):\s*["']([^"']*)["']""")
# "kr" after a number or a variable: money must go through |money.
KRONOR = re.compile(r"(\}\}|\d)\s*kr\b|\bkr\s*(\{\{|\d)|\bSEK\b")
FLOATFORMAT = re.compile(r"\|floatformat")


def template_files():
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def offences(text: str) -> list[str]:
    found = [
        f"date format {m.group(1)!r}" for m in DATE_ARG.finditer(text) if m.group(1) not in NAMED
    ]
    found += [f"hand-written kronor {m.group(0)!r}" for m in KRONOR.finditer(text)]
    found += ["|floatformat (use |money or |localize)" for _m in FLOATFORMAT.finditer(text)]
    return found


@pytest.mark.parametrize(
    ("snippet", "bad"),
    [
        ('{{ loan.due_at|date:"Y-m-d" }}', True),
        ("{{ x|date:'j M' }}", True),
        ('{{ t|time:"H:i" }}', True),
        ("{{ fee.amount }} kr", True),
        ("{% blocktranslate %}You owe {{ debt }} kr{% endblocktranslate %}", True),
        ("{{ amount|floatformat:2 }}", True),
        ('{{ loan.due_at|date:"SHORT_DATE_FORMAT" }}', False),
        ("{{ fee.amount|money }}", False),
        ("{{ day|date }} {{ t|time }}", False),
        ("<p>kronor, krona</p>", False),
    ],
)
def test_the_template_check_catches_hand_written_formats(snippet, bad):
    assert bool(offences(snippet)) is bad


def test_no_template_writes_a_date_format_or_kronor_by_hand():
    found = {
        str(path.relative_to(TEMPLATES)): offences(path.read_text(encoding="utf-8"))
        for path in template_files()
    }
    assert {name: problems for name, problems in found.items() if problems} == {}


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("sv", Decimal("30"), "30,00\u00a0kr"),
        ("sv", Decimal("7.5"), "7,50\u00a0kr"),
        ("sv", Decimal("1234.5"), "1\u00a0234,50\u00a0kr"),
        ("en", Decimal("7.5"), "SEK\u00a07.50"),
        ("en", Decimal("1234.5"), "SEK\u00a01,234.50"),
        ("sv", "75.00", "75,00\u00a0kr"),  # the desk's scan rows keep amounts as text
        ("sv", None, ""),
    ],
)
def test_money_follows_the_language(language, amount, expected):
    with translation.override(language):
        assert format_money(amount) == expected


STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("language", "template", "expected"),
    [
        ("sv", '{{ d|date:"SHORT_DATE_FORMAT" }}', "2026-12-08"),
        ("en", '{{ d|date:"SHORT_DATE_FORMAT" }}', "8 Dec 2026"),
        ("sv", '{{ d|date:"DAY_FORMAT" }}', "tis 8 dec"),
        ("en", '{{ d|date:"DAY_FORMAT" }}', "Tue 8 Dec"),
        ("sv", '{{ d|date:"LONG_DAY_FORMAT" }}', "tisdag 8 december 2026"),
        ("sv", '{{ t|date:"SHORT_DATETIME_FORMAT" }}', "2026-12-08 14:30"),
        ("en", '{{ t|date:"SHORT_DATETIME_FORMAT" }}', "8 Dec 2026 14:30"),
        ("en", "{{ t|time }}", "14:30"),
        ("sv", "{{ t|isodate }}", "2026-12-08"),
        ("en", '{{ s|fromiso|date:"SHORT_DATE_FORMAT" }}', "8 Dec 2026"),
        ("sv", "{{ n|money }}", "7,50\u00a0kr"),
    ],
)
def test_named_formats_render_in_the_users_language(language, template, expected):
    context = {
        "d": date(2026, 12, 8),
        "t": datetime(2026, 12, 8, 14, 30, tzinfo=STOCKHOLM),
        "s": "2026-12-08",
        "n": Decimal("7.50"),
    }
    with translation.override(language):
        rendered = engines["django"].from_string(template).render(context)
    assert rendered == expected
