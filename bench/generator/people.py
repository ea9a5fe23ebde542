"""Patrons and cards: ages, home libraries, personnummer, guardians; written with COPY.
A mixin of ``Generator`` (bench/generator/core.py)."""

from __future__ import annotations

from datetime import date, timedelta

from bench import vocabulary as voc
from bench.generator.shape import (
    AGE_BANDS,
    POPULATION,
)
from bench.generator.sql import _ASCII, copy_rows, luhn


class PatronMixin:
    def plan_patrons(self) -> None:
        s, rng = self.s, self.rng
        libs = list(POPULATION)
        weights = [POPULATION[c] for c in libs]
        bands = rng.choices(AGE_BANDS, weights=[b[1] for b in AGE_BANDS], k=s.patrons)
        self.patrons = []  # (category code, home code, birth date | None, note)
        for band in bands:
            code, _share, lo, hi = band
            born = None
            if lo is not None:
                age = rng.randint(lo, hi)
                born = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
            self.patrons.append([code, rng.choices(libs, weights=weights)[0], born, ""])
        # Benchmark fixtures at the end: institutions with 1,000 open loans, patrons for renew-all.
        for _ in range(s.heavy):
            self.patrons.append(["INST", "KGA", None, "bench:heavy"])
        for _ in range(s.renew_all):
            self.patrons.append(["INST", rng.choice(libs), None, "bench:renew-all"])
        n = len(self.patrons)
        self.heavy_history = set(rng.sample(range(s.patrons), max(1, round(s.patrons * 0.015))))
        self.keeps_history = self.heavy_history | set(
            rng.sample(range(s.patrons), round(s.patrons * 0.1))
        )
        self.step(f"planned {n} patrons ({len(self.heavy_history)} heavy borrowers)")

    def write_patrons(self) -> None:
        from patrons.cardnumbers import CardNumberPolicy, make_card_number

        rng, now = self.rng, self.now
        from django.conf import settings

        policy = CardNumberPolicy(
            length=settings.GRANSLOS["CARD_NUMBER_LENGTH"],
            check_digit=settings.GRANSLOS["CARD_CHECK_DIGIT"],
        )
        serial_of_day: dict[date, int] = {}
        adults: list[int] = []
        cols = [
            "id", "first_name", "last_name", "birth_date", "birth_year", "personnummer", "email",
            "phone", "street", "postal_code", "city", "preferred_language", "notice_channel",
            "home_library_id", "category_id", "guardian_id", "expiry_date", "staff_note",
            "keeps_loan_history", "pin_hash", "pin_failures", "pin_locked_for_staff",
            "created_at", "updated_at", "last_activity_at",
        ]  # fmt: skip

        def rows():
            for idx, (cat, home, born, note) in enumerate(self.patrons):
                pid = idx + 1
                first, last = rng.choice(voc.FIRST_NAMES), rng.choice(voc.LAST_NAMES)
                pnr = None
                if born is not None:
                    serial = serial_of_day.get(born, rng.randint(0, 50) * 10)
                    serial_of_day[born] = serial + 1
                    body = f"{born:%y%m%d}{serial % 1000:03d}"
                    pnr = f"{born:%Y%m%d}{serial % 1000:03d}{luhn(body)}"
                    if serial >= 1000:
                        pnr = None
                if cat == "INST":
                    first, last = (
                        "Skolbiblioteket",
                        f"{voc.CITIES[home][0] if home in voc.CITIES else home} {pid}",
                    )
                guardian = rng.choice(adults) if cat == "CHILD" and adults else None
                if cat in ("ADULT", "SENIOR"):
                    adults.append(pid)
                city, postal = voc.CITIES.get(home, ("Kristinehamn", "681"))
                ascii_name = (first + "." + last).lower().translate(_ASCII)
                expiry = self.today + timedelta(days=rng.randint(-60, 3 * 365))
                if note:
                    expiry = self.today + timedelta(days=3 * 365)
                yield (
                    pid, first, last, born, born.year if born else None, pnr,
                    f"{ascii_name}{pid}@example.se", f"070-{pid % 10_000_000:07d}",
                    f"{rng.choice(voc.STREETS)} {rng.randint(1, 80)}",
                    f"{postal} {rng.randint(10, 99)}", city,
                    "sv" if rng.random() < 0.93 else "en",
                    rng.choices(("email", "sms", "letter"), weights=(80, 15, 5))[0],
                    self.libs[home], self.cats[cat], guardian, expiry, note,
                    idx in self.keeps_history, "", 0, False, now, now,
                    now - timedelta(days=rng.randint(0, 700)),
                )  # fmt: skip

        n = copy_rows("patrons_patron", cols, rows())
        self.patron_count = n

        def cards():
            cid = 0
            for pid in range(1, n + 1):
                if rng.random() < 0.05:
                    cid += 1
                    number = make_card_number(9_000_000 + pid, policy=policy)
                    yield cid, pid, number, "replaced", now - timedelta(days=400), now
                cid += 1
                yield cid, pid, make_card_number(pid, policy=policy), "active", now, None

        copy_rows(
            "patrons_card",
            ["id", "patron_id", "number", "status", "issued_at", "ended_at"],
            cards(),
        )
        self.step(f"patrons and cards written ({n})")
