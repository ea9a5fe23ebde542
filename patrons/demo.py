"""Demo patrons for ``seed_demo``: a few hundred across categories and home libraries.

Idempotent: a patron whose card number exists is skipped. Card numbers are deterministic
(``make_card_number(serial, prefix="2")``); every demo patron's PIN is ``DEMO_PIN``.
Documented demo patrons (card numbers printed by ``demo_cards()``):

- serial 1: Anna Åkesson, adult, Karlskoga
- serial 2: Örjan Lindström, senior, Kristinehamn
- serial 3: Elsa Åkesson, child, Degerfors, guardian Anna Åkesson
- serial 4: Björn Märak, adult, Storfors, manually blocked
- serial 5: Märta Öberg, youth, Hällefors
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from libraries.models import Library
from patrons.cardnumbers import make_card_number
from patrons.models import Card, Patron, PatronBlock, PatronCategory
from patrons.personnummer import luhn_check_digit
from patrons.services import card_policy

DEMO_PIN = "1234"
COUNT = 300

FIRST = [
    "Anna",
    "Åsa",
    "Märta",
    "Björn",
    "Örjan",
    "Elsa",
    "Göran",
    "Ingrid",
    "Jöns",
    "Karin",
    "Lars",
    "Maja",
    "Nils",
    "Olle",
    "Pär",
    "Ragnhild",
    "Sören",
    "Tove",
    "Ulla",
    "Vilgot",
    "Ylva",
    "Åke",
    "Ebba",
    "Hjalmar",
    "Sigrid",
    "Ture",
    "Agnes",
    "Måns",
    "Linnéa",
    "Håkan",
]
LAST = [
    "Åkesson",
    "Öberg",
    "Lindström",
    "Märak",
    "Sjöberg",
    "Bäckström",
    "Löfgren",
    "Ödman",
    "Hägglund",
    "Ståhl",
    "Nyström",
    "Wikström",
    "Åström",
    "Söderberg",
    "Forsgren",
    "Dahlén",
    "Engström",
    "Holmér",
    "Kjellén",
    "Nordén",
    "Ekström",
    "Hedlund",
    "Strömberg",
    "Törnqvist",
]
STREETS = ["Storgatan", "Kyrkogatan", "Älvgatan", "Björkvägen", "Sjövägen", "Järnvägsgatan"]

FIXED = [
    # serial, first, last, category, library, birth date
    (1, "Anna", "Åkesson", "ADULT", "KGA", date(1984, 3, 12)),
    (2, "Örjan", "Lindström", "SENIOR", "KHM", date(1950, 11, 2)),
    (3, "Elsa", "Åkesson", "CHILD", "DEG", date(2017, 5, 20)),
    (4, "Björn", "Märak", "ADULT", "STO", date(1979, 8, 30)),
    (5, "Märta", "Öberg", "YOUTH", "HFS", date(2010, 1, 15)),
]


def demo_email(first: str, last: str, serial: int) -> str:
    """An ASCII address (Åsa Öberg → asa.oberg.7@example.se): Swedish letters before the @ do
    not pass e-mail validation, so a demo patron could not be saved unchanged."""
    folded = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9.]+", "", folded.lower().replace(" ", "."))
    return f"{local}.{serial}@example.se"


def demo_card(serial: int) -> str:
    return make_card_number(serial, policy=card_policy(), prefix="2")


def demo_cards() -> dict[str, str]:
    return {f"{first} {last}": demo_card(serial) for serial, first, last, *_ in FIXED}


def _personnummer(born: date, serial: int) -> str:
    body = f"{born:%y%m%d}{serial % 1000:03d}"
    return f"{born:%Y%m%d}{serial % 1000:03d}{luhn_check_digit(body)}"


def _birth_for(category: str, rng: random.Random, today: date) -> date:
    ages = {"CHILD": (3, 12), "YOUTH": (13, 17), "SENIOR": (66, 95), "STAFF": (25, 64)}
    low, high = ages.get(category, (19, 64))
    return today - timedelta(days=rng.randint(low * 365 + 1, high * 365 + 300))


@transaction.atomic
def create_demo_patrons(*, stdout=None) -> int:
    """Create the demo patrons that are missing; returns how many were created."""
    now = timezone.now()
    today = timezone.localdate()
    rng = random.Random(4)
    libraries = {lib.code: lib for lib in Library.objects.all()}
    categories = {cat.code: cat for cat in PatronCategory.objects.all()}
    taken = set(Card.objects.filter(number__startswith="2").values_list("number", flat=True))
    pin_hash = make_password(DEMO_PIN)
    weights = ["ADULT"] * 12 + ["SENIOR"] * 4 + ["YOUTH"] * 3 + ["CHILD"] * 3 + ["STAFF", "INST"]
    codes = ["KGA"] * 5 + ["KHM"] * 4 + ["DEG"] * 2 + ["HFS"] * 2 + ["STO"]
    rows = list(FIXED)
    for serial in range(len(FIXED) + 1, COUNT + 1):
        category = rng.choice(weights)
        rows.append(
            (
                serial,
                rng.choice(FIRST),
                rng.choice(LAST),
                category,
                rng.choice(codes),
                None if category == "INST" else _birth_for(category, rng, today),
            )
        )
    anna: Patron | None = None
    last_adult: Patron | None = None
    created = 0
    for serial, first, last, category, code, born in rows:
        number = demo_card(serial)
        if number in taken:
            if serial == 1:
                anna = Patron.objects.filter(cards__number=number).first()
            continue
        if category == "INST":
            first, last = "Skolbiblioteket", f"{libraries[code].municipality}"
        adult = category in {"ADULT", "SENIOR", "STAFF"}
        patron = Patron.objects.create(
            first_name=first,
            last_name=last,
            birth_date=born,
            birth_year=born.year if born else None,
            personnummer=_personnummer(born, serial) if born and adult else None,
            email=demo_email(first, last, serial) if serial % 5 else "",
            phone=f"070-{serial:07d}"[:11],
            street=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            postal_code=f"6{rng.randint(8000, 9999)}",
            city=libraries[code].municipality,
            notice_channel="email" if serial % 5 else "sms",
            preferred_language="en" if serial % 17 == 0 else "sv",
            home_library=libraries[code],
            category=categories[category],
            guardian=(anna if serial == 3 else last_adult) if category == "CHILD" else None,
            expiry_date=today + timedelta(days=rng.randint(-30, 3 * 365))
            if serial > 5
            else today + timedelta(days=3 * 365),
            keeps_loan_history=serial % 4 == 0,
            pin_hash=pin_hash,
            last_activity_at=now - timedelta(days=rng.randint(0, 4 * 365)),
        )
        Card.objects.create(patron=patron, number=number)
        if serial == 1:
            anna = patron
        if adult:
            last_adult = patron
        if serial == 4:
            PatronBlock.objects.create(
                patron=patron,
                reason="Obetald räkning för förkommet exemplar",
                library=libraries[code],
                created_at=now,
            )
        created += 1
    if stdout is not None:
        stdout.write(f"Demo patrons: {created} created (PIN {DEMO_PIN}).")
    return created
