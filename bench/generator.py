"""A synthetic consortium at benchmark scale, written with COPY (``generate_consortium``).

Shape (see docs/performance.md): Swedish titles and authors, Zipf-distributed popularity (copies
and loans follow it), items and patrons spread over the five libraries by population, patron
categories by age, 1.5 % heavy borrowers with 100–1,000 loans in their kept history, a lending
rule matrix with local overrides, open loans (some overdue), five years of returned loans (most
without the patron link, as Swedish libraries cut it at return), a few open fees, transfers
in flight, and holds: queues on popular titles whose oldest holds already caught a copy (on the
hold shelf or on their way), a few item-level and paused holds, and closed ones. Benchmark
fixtures: institution patrons with 1,000 open loans (``staff_note`` "bench:heavy"), patrons
with 100 open loans ("bench:renew-all") and a desk user "bench".

Everything is planned in memory, then each table is written with one COPY inside one
transaction; secondary indexes of the big tables are dropped first and rebuilt at the end
(building an index once is much faster than maintaining it row by row), and the search vectors
are computed set-based while the records move from a staging table into ``catalog_record``.
"""

from __future__ import annotations

import json
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench import vocabulary as voc

BIG_TABLES = (
    "catalog_record",
    "catalog_item",
    "patrons_patron",
    "patrons_card",
    "circulation_loan",
    "circulation_fee",
    "transport_transfer",
    "circulation_hold",
)
BENCH_USER = "bench"
BENCH_PASSWORD = "bench-desk-2025"


@dataclass(frozen=True)
class Scale:
    records: int
    items: int
    patrons: int
    history: int  # returned loans over five years
    heavy: int  # institution patrons with HEAVY_LOANS open loans
    renew_all: int  # patrons with RENEW_ALL_LOANS open loans
    open_share: float = 0.16  # share of items on loan
    transit_share: float = 0.01  # share of items in transport
    holds: int = 0  # waiting holds (queues on popular titles); caught and closed ones come on top


SCALES = {
    "T0": Scale(
        records=10_000, items=20_000, patrons=4_000, history=40_000, heavy=1, renew_all=3, holds=400
    ),
    "T1": Scale(
        records=250_000,
        items=500_000,
        patrons=100_000,
        history=2_000_000,
        heavy=3,
        renew_all=30,
        holds=21_000,  # ≈ 20,000 of them not paused: what a targeting run looks at
    ),
    "T2": Scale(
        records=1_000_000,
        items=2_000_000,
        patrons=250_000,
        history=3_000_000,
        heavy=3,
        renew_all=30,
        holds=40_000,
    ),
}
HEAVY_LOANS = 1000
HOLDS_PER_PATRON = 5  # usually at most, well under every rule's "max loans in total" (30+)
CAUGHT_SHARE = 0.12  # holds (in addition to the waiting ones) that already caught a copy
CLOSED_SHARE = 0.5  # closed holds (fulfilled, cancelled, expired) per waiting hold
RENEW_ALL_LOANS = 100
POPULATION = {"DEG": 9300, "HFS": 6800, "KGA": 30500, "KHM": 24300, "STO": 4000}
MEDIA = [  # media type, item type code, share
    ("book", "BOOK", 0.78),
    ("audiobook", "AUDIOBOOK", 0.07),
    ("video", "DVD", 0.06),
    ("music", "MUSIC", 0.03),
    ("periodical", "PERIODICAL", 0.02),
    ("language_course", "LANGCOURSE", 0.02),
    ("game", "GAME", 0.02),
]
LANGUAGES = [
    ("swe", 0.82),
    ("eng", 0.1),
    ("fin", 0.02),
    ("ara", 0.02),
    ("ger", 0.02),
    ("spa", 0.02),
]
# (category, share, min age, max age)
AGE_BANDS = [
    ("CHILD", 0.17, 3, 12),
    ("YOUTH", 0.07, 13, 17),
    ("ADULT", 0.52, 18, 64),
    ("SENIOR", 0.21, 65, 92),
    ("STAFF", 0.01, 25, 64),
    ("INST", 0.02, None, None),
]


class GeneratorRefused(Exception):
    pass


def scaled(name: str, records: int | None = None, holds: int | None = None) -> Scale:
    """The named scale, optionally shrunk/grown so it has ``records`` records (and ``holds``
    waiting holds)."""
    base = SCALES[name]
    if holds is not None:
        base = replace(base, holds=holds)
    if not records or records == base.records:
        return base
    f = records / base.records
    return replace(
        base,
        records=records,
        items=max(records, round(base.items * f)),
        patrons=max(200, round(base.patrons * f)),
        history=round(base.history * f),
        heavy=1,
        renew_all=max(1, min(base.renew_all, round(base.renew_all * f))),
        holds=base.holds if holds is not None else max(20, round(base.holds * f)),
    )


# --- ISO 2709 --------------------------------------------------------------------------


def iso2709(fields: list[tuple[str, str]]) -> bytes:
    """A MARC21 record (UTF-8) from (tag, data) pairs; data fields carry indicators and $-codes
    already as ``ind1 ind2 \\x1fa...``."""
    directory = bytearray()
    body = bytearray()
    for tag, value in fields:
        data = value.encode() + b"\x1e"
        directory += f"{tag}{len(data):04d}{len(body):05d}".encode()
        body += data
    directory += b"\x1e"
    base = 24 + len(directory)
    leader = f"{base + len(body) + 1:05d}nam a22{base:05d} i 4500".encode()
    return bytes(leader + directory + body + b"\x1d")


def sub(**codes: str) -> str:
    return "".join(f"\x1f{code}{value}" for code, value in codes.items())


def isbn13(n: int) -> str:
    core = f"97891{n:07d}"[:12]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def luhn(payload: str) -> int:
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


# --- COPY ------------------------------------------------------------------------------


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into ``table``; returns how many."""
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def is_empty() -> bool:
    rows = _sql(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM catalog_record LIMIT 1) r)"
        " + (SELECT count(*) FROM (SELECT 1 FROM patrons_patron LIMIT 1) p)"
        " + (SELECT count(*) FROM (SELECT 1 FROM circulation_loan LIMIT 1) l)"
    )
    return rows[0][0] == 0


def reset() -> None:
    """Empty the consortium's data tables (records, items, patrons, loans, transfers…)."""
    _sql(
        "TRUNCATE catalog_record, catalog_item, patrons_patron, patrons_card, circulation_loan,"
        " circulation_hold, circulation_fee, transport_transfer, transport_packinglist,"
        " catalog_importjob RESTART IDENTITY CASCADE"
    )


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that do not back a constraint."""
    return _sql(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [list(BIG_TABLES)],
    )


# --- The plan --------------------------------------------------------------------------


class Generator:
    def __init__(
        self, scale: Scale, *, seed: int = 2025, log: Callable[[str], None] = print
    ) -> None:
        self.s = scale
        self.rng = random.Random(seed)
        self.log = log
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.t0 = time.perf_counter()

    def step(self, what: str) -> None:
        self.log(f"[{time.perf_counter() - self.t0:7.1f}s] {what}")

    # The fixed data and the rule matrix go through the ORM (a few dozen rows).
    def setup(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from catalog.models import ItemType
        from circulation import defaults
        from circulation.models import LoanRule
        from libraries.consortium import ensure_all
        from libraries.models import Library, StaffRole
        from patrons.models import PatronCategory
        from transport.demo import create_demo_network

        ensure_all()
        defaults.ensure_all()
        create_demo_network()
        self.libs = {lib.code: lib.id for lib in Library.objects.all()}
        self.types = {t.code: t.id for t in ItemType.objects.all()}
        self.cats = {c.code: c.id for c in PatronCategory.objects.all()}
        lib, cat, typ = self.libs, self.cats, self.types
        matrix = [
            # common (consortium) rules per category and item type
            (None, cat["INST"], None, {"loan_period_days": 56, "max_loans_total": 2000,
                                       "max_loans_of_type": 2000, "max_renewals": 5}),
            (None, cat["SENIOR"], None, {"fine_per_day": Decimal("3.00")}),
            (None, cat["YOUTH"], None, {"fine_per_day": Decimal("2.00"),
                                        "fine_cap": Decimal("40.00")}),
            (None, None, typ["DVD"], {"loan_period_days": 14, "max_loans_of_type": 10,
                                      "max_renewals": 1}),
            (None, None, typ["GAME"], {"loan_period_days": 21, "max_loans_of_type": 5}),
            (None, None, typ["PERIODICAL"], {"loan_period_days": 14}),
            (None, None, typ["LANGCOURSE"], {"loan_period_days": 42}),
            (None, cat["CHILD"], typ["DVD"], {"max_loans_of_type": 3}),
            # local overrides
            (lib["KGA"], None, typ["DVD"], {"loan_period_days": 7}),
            (lib["STO"], cat["ADULT"], None, {"max_loans_total": 30}),
            (lib["HFS"], None, None, {"loan_period_days": 35, "grace_days": 2}),
            (lib["KHM"], cat["CHILD"], None, {"max_loans_total": 30}),
            (lib["DEG"], None, typ["AUDIOBOOK"], {"loan_period_days": 21}),
            (lib["BUS"], None, None, {"loan_period_days": 42}),
        ]  # fmt: skip
        for library_id, category_id, item_type_id, values in matrix:
            LoanRule.objects.update_or_create(
                library_id=library_id,
                patron_category_id=category_id,
                item_type_id=item_type_id,
                defaults=values,
            )
        user, created = get_user_model().objects.get_or_create(
            username=BENCH_USER, defaults={"first_name": "Bench", "is_staff": True}
        )
        if created:
            user.set_password(BENCH_PASSWORD)
            user.save(update_fields=["password"])
        for library_id in lib.values():
            StaffRole.objects.get_or_create(
                user=user, library_id=library_id, role=StaffRole.Role.DESK
            )
        Token.objects.get_or_create(user=user)

    # --- records and items ---------------------------------------------------------------
    def plan_catalogue(self) -> None:
        s, rng = self.s, self.rng
        n = s.records
        ranks = list(range(1, n + 1))
        rng.shuffle(ranks)
        # Zipf popularity: record i is borrowed in proportion to 1/rank.
        self.popularity = [1.0 / r for r in ranks]
        cum = []
        total = 0.0
        for p in self.popularity:
            total += p
            cum.append(total)
        self.pop_cum = cum
        self.media = rng.choices(
            range(len(MEDIA)), weights=[m[2] for m in MEDIA], k=n
        )  # index into MEDIA
        # Copies: one each, then the rest by sqrt-popularity (popular titles have more copies).
        copies = array("H", [1]) * n
        extra = s.items - n
        sq_cum = list(_cumulative(math.sqrt(p) for p in self.popularity))
        picked = 0
        while picked < extra:
            for idx in rng.choices(range(n), cum_weights=sq_cum, k=extra - picked):
                if copies[idx] < 30:
                    copies[idx] += 1
                    picked += 1
        self.copies = copies
        libs = list(POPULATION)
        weights = [POPULATION[c] for c in libs]
        self.item_record = array("i")
        self.item_home = array("b")
        self.first_item = array("i")  # per record: index of its first item
        lib_index = {code: i for i, code in enumerate(libs)}
        self.lib_codes = libs
        for idx in range(n):
            self.first_item.append(len(self.item_record))
            homes = rng.choices(libs, weights=weights, k=copies[idx])
            for code in homes:
                self.item_record.append(idx)
                self.item_home.append(lib_index[code])
        self.item_count = len(self.item_record)
        # What happens to each item: 0 available, 1 on loan, 2 in transit, 3 reference/other.
        self.item_state = array("b", [0]) * self.item_count
        self.item_current = array("b", self.item_home)
        self.item_loans = array("i", [0]) * self.item_count
        self.item_last = [None] * self.item_count
        self.step(f"planned {n} records, {self.item_count} items")

    def pick_items(self, k: int) -> list[int]:
        """``k`` item indexes, popular titles more often (with repetition)."""
        recs = self.rng.choices(range(self.s.records), cum_weights=self.pop_cum, k=k)
        rnd = self.rng.random
        return [self.first_item[r] + int(rnd() * self.copies[r]) for r in recs]

    def write_records(self) -> None:
        from catalog.text import search_vector

        rng, s = self.rng, self.s
        # library ids per record
        lib_ids = [self.libs[c] for c in self.lib_codes]
        cols = [
            "id", "marc", "control_number", "control_source", "system_numbers", "title",
            "subtitle", "responsibility", "title_sort", "authors", "author_sort", "isbns",
            "issns", "year", "publisher", "language", "languages", "media_type", "audience",
            "subjects", "sab", "dewey", "series", "summary", "library_ids", "created_at",
            "updated_at", "search_vector",
        ]  # fmt: skip
        words = voc.TITLE_WORDS
        word_cum = list(_cumulative(1.0 / (i + 1) ** 0.8 for i in range(len(words))))
        lang_codes = [code for code, _w in LANGUAGES]
        lang_w = [w for _c, w in LANGUAGES]
        now = self.now

        def title() -> str:
            k = rng.randint(1, 4)
            parts = rng.choices(words, cum_weights=word_cum, k=k)
            if rng.random() < 0.002:
                parts.append(rng.choice(voc.RARE_WORDS))
            if k >= 2 and rng.random() < 0.35:
                parts.insert(1, rng.choice(voc.CONNECTORS))
            elif rng.random() < 0.2:
                parts.insert(0, rng.choice(("och", "om", "en", "ett")))
            return " ".join(parts).capitalize()

        def rows():
            for idx in range(s.records):
                rid = idx + 1
                media, _type, _share = MEDIA[self.media[idx]]
                first, last = rng.choice(voc.FIRST_NAMES), rng.choice(voc.LAST_NAMES)
                author = f"{last}, {first}"
                t = title()
                sub_t = title() if rng.random() < 0.25 else ""
                year = min(self.today.year, int(2024 - rng.expovariate(1 / 15)))
                year = max(1890, year)
                lang = rng.choices(lang_codes, weights=lang_w)[0]
                audience = rng.choices(("adult", "youth", "children"), weights=(70, 10, 20))[0]
                subjects = rng.sample(voc.SUBJECTS, rng.randint(1, 3))
                publisher = rng.choice(voc.PUBLISHERS)
                isbn = isbn13(rid) if media in ("book", "audiobook") else ""
                summary = (
                    " ".join(rng.choices(words, cum_weights=word_cum, k=25)).capitalize() + "."
                    if rng.random() < 0.3
                    else ""
                )
                control = f"GS{rid:09d}"
                aud = {"adult": " ", "youth": "d", "children": "j"}[audience]
                fields = [
                    ("001", control),
                    ("003", "GRANSLOS"),
                    ("008", f"200101s{year}    sw ||||{aud}     |00| 0|{lang} d"),
                ]
                if isbn:
                    fields.append(("020", "  " + sub(a=isbn)))
                fields.append(("100", "1 " + sub(a=author)))
                t245 = {"a": t, "b": sub_t} if sub_t else {"a": t}
                fields.append(("245", "10" + sub(**t245, c=f"{first} {last}")))
                fields.append(("264", " 1" + sub(b=publisher, c=str(year))))
                if summary:
                    fields.append(("520", "  " + sub(a=summary)))
                fields += [("650", " 7" + sub(a=x)) for x in subjects]
                marc = iso2709(fields)
                start = self.first_item[idx]
                holders = sorted(
                    {lib_ids[self.item_home[i]] for i in range(start, start + self.copies[idx])}
                )
                yield (
                    rid, marc, control, "GRANSLOS", [], t, sub_t, f"{first} {last}",
                    t.lower()[:255], [author], author.lower(), [isbn] if isbn else [], [], year,
                    publisher, lang, [lang], media, audience, subjects, "Hc", "", "", summary,
                    holders, now, now,
                    search_vector(
                        title=t, subtitle=sub_t, authors=[author], subjects=subjects,
                        responsibility=f"{first} {last}", publisher=publisher, summary=summary,
                        sab="Hc", isbns=[isbn] if isbn else [], language=lang,
                    ),
                )  # fmt: skip

        # The search vector is built in Python (catalog.text, as every import does) and copied
        # with its row.
        copy_rows("catalog_record", cols, rows())
        self.step("records copied with their search vectors")

    # --- patrons ---------------------------------------------------------------------------
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

    # --- items, loans, transfers -----------------------------------------------------------
    def plan_circulation(self) -> None:
        s, rng = self.s, self.rng
        state, current = self.item_state, self.item_current
        n_items = self.item_count
        reference = self.types["REFERENCE"]
        self.item_type = array("i", [0]) * n_items
        media_types = {m: self.types[t] for m, t, _ in MEDIA}
        for i in range(n_items):
            media = MEDIA[self.media[self.item_record[i]]][0]
            self.item_type[i] = reference if rng.random() < 0.005 else media_types[media]
        # Open loans: (item, patron id, checkout lib index, checked out at, due)
        self.open_loans: list[tuple[int, int, int, datetime, datetime]] = []
        first_bench = s.patrons + 1
        bench_quota = [(first_bench + k, HEAVY_LOANS) for k in range(s.heavy)] + [
            (first_bench + s.heavy + k, RENEW_ALL_LOANS) for k in range(s.renew_all)
        ]
        free = list(range(n_items))
        rng.shuffle(free)
        pos = 0
        for pid, count in bench_quota:
            home = self.lib_codes.index(self.patrons[pid - 1][1])
            for _ in range(count):
                while state[free[pos]] != 0 or self.item_type[free[pos]] == reference:
                    pos += 1
                item = free[pos]
                pos += 1
                out = self.now - timedelta(days=rng.uniform(1, 20))
                self._lend(item, pid, home, out, out + timedelta(days=56))
        # Normal open loans: popular items first, to patrons with 1–15 loans (heavy ones more).
        target = int(n_items * s.open_share)
        borrowers = [p for p in range(s.patrons) if self.patrons[p][0] != "INST"]
        active = rng.sample(borrowers, int(len(borrowers) * 0.35))
        active_cum = list(_cumulative(8 if p in self.heavy_history else 1 for p in active))
        per_patron: dict[int, int] = {}
        misses = 0
        while len(self.open_loans) < target and misses < target:
            for item in self.pick_items(target - len(self.open_loans)):
                if state[item] != 0 or self.item_type[item] == reference:
                    misses += 1
                    continue
                p = rng.choices(active, cum_weights=active_cum)[0]
                if per_patron.get(p, 0) >= 40:
                    misses += 1
                    continue
                per_patron[p] = per_patron.get(p, 0) + 1
                home = self.lib_codes.index(self.patrons[p][1])
                lib = home if rng.random() < 0.85 else rng.randrange(len(self.lib_codes))
                age = rng.uniform(0, 27) if rng.random() < 0.9 else rng.uniform(27, 70)
                out = self.now - timedelta(days=age)
                self._lend(item, p + 1, lib, out, out + timedelta(days=28))
        # Transfers in flight: items returned away from home, on their way.
        # item, from lib idx, to lib idx, reason (holds add theirs in plan_holds)
        self.transfers: list[tuple[int, int, int, str]] = []
        for item in rng.sample(range(n_items), int(n_items * s.transit_share)):
            if state[item] != 0:
                continue
            home = self.item_home[item]
            here = rng.choice([i for i in range(len(self.lib_codes)) if i != home])
            state[item] = 2
            current[item] = here
            self.transfers.append((item, here, home, "return_home"))
        # History: returned loans, popular items more often.
        self.history_items = array("i", self.pick_items(s.history))
        for item in self.history_items:
            self.item_loans[item] += 1
        self.step(
            f"planned {len(self.open_loans)} open loans, {len(self.transfers)} transfers, "
            f"{s.history} returned loans"
        )

    def _lend(self, item: int, patron_id: int, lib: int, out: datetime, due: datetime) -> None:
        self.item_state[item] = 1
        self.item_current[item] = lib
        self.item_loans[item] += 1
        self.item_last[item] = out
        self.open_loans.append((item, patron_id, lib, out, due))

    # --- holds -----------------------------------------------------------------------------
    def plan_holds(self) -> None:
        """Queues on popular titles (Zipf, each queue capped), oldest first; the oldest holds of
        some titles already caught a copy that is on the hold shelf or on its way (with a
        transfer); a few holds ask for one copy, a few are paused; older holds are closed.

        Database rules kept: one active hold per patron and title (and none on a title the
        patron has on loan), a copy fills at most one hold, a caught hold has its copy and a
        shelved one its pickup deadline; the copies' status follows (on hold shelf / in transit).
        """
        s, rng, now = self.s, self.rng, self.now
        self.hold_rows: list[tuple] = []
        self.hold_counts: dict[str, int] = {}
        if s.holds <= 0:
            return
        reference = self.types["REFERENCE"]
        n_libs = len(self.lib_codes)
        patrons = [p for p in range(s.patrons) if self.patrons[p][0] != "INST"]
        on_loan = {(pid - 1, self.item_record[item]) for item, pid, *_rest in self.open_loans}
        cap = min(300, max(10, s.holds // 40))  # the longest queue (a bestseller)
        caught_quota = round(s.holds * CAUGHT_SHARE)
        wanted = s.holds + caught_quota
        # More holds than usual for this many patrons (``--holds``): each may hold a few more.
        per_patron_cap = min(25, max(HOLDS_PER_PATRON, math.ceil(2 * wanted / len(patrons))))
        taken: set[tuple[int, int]] = set()
        per_patron: dict[int, int] = {}
        queues: dict[int, list[list]] = {}
        attempts = planned = 0
        while planned < wanted and attempts < 20 * wanted:
            attempts += 1
            record = rng.choices(range(s.records), cum_weights=self.pop_cum)[0]
            queue = queues.setdefault(record, [])
            p = patrons[int(rng.random() * len(patrons))]
            if (
                len(queue) >= cap
                or (p, record) in taken
                or (p, record) in on_loan
                or per_patron.get(p, 0) >= per_patron_cap
            ):
                continue
            taken.add((p, record))
            planned += 1
            per_patron[p] = per_patron.get(p, 0) + 1
            home = self.lib_codes.index(self.patrons[p][1])
            pickup = home if rng.random() < 0.9 else rng.randrange(n_libs)
            placed = now - timedelta(seconds=rng.uniform(3600, 150 * 86400))
            requested = None
            if rng.random() < 0.03:
                k = self.first_item[record] + rng.randrange(self.copies[record])
                requested = k if self.item_type[k] != reference else None
            paused = (
                self.today + timedelta(days=rng.randint(1, 60)) if rng.random() < 0.04 else None
            )
            # [patron idx, record, pickup idx, placed, requested item, paused until, state, item]
            queue.append([p, record, pickup, placed, requested, paused, "waiting", None])
        # The oldest holds of a title caught its copies that were on the shelf.
        caught = 0
        titles = [r for r, q in queues.items() if q]
        rng.shuffle(titles)
        for record in titles:
            queue = queues[record]
            queue.sort(key=lambda h: h[3])
            first = self.first_item[record]
            shelf = [
                k
                for k in range(first, first + self.copies[record])
                if self.item_state[k] == 0 and self.item_type[k] != reference
            ]
            for hold in queue:
                if caught >= caught_quota or not shelf or rng.random() < 0.3:
                    break
                if hold[5] is not None:
                    continue  # paused: skipped, keeps its place
                if hold[4] is not None and hold[4] not in shelf:
                    continue
                item = hold[4] if hold[4] is not None else shelf[0]
                shelf.remove(item)
                pickup = hold[2]
                # Two in three on the hold shelf, the rest on their way (always both kinds).
                if self.item_current[item] == pickup or caught % 3 != 2:
                    hold[6] = "on_hold_shelf"
                    self.item_state[item] = 4
                    self.item_current[item] = pickup
                else:
                    hold[6] = "in_transit"
                    self.item_state[item] = 2
                    self.transfers.append((item, self.item_current[item], pickup, "hold_pickup"))
                hold[7] = item
                caught += 1
        lib_ids = [self.libs[c] for c in self.lib_codes]
        counts = dict.fromkeys(
            ("waiting", "paused", "item_level", "in_transit", "on_hold_shelf"), 0
        )
        hid = 0
        for record in titles:
            for p, rec, pickup, placed, requested, paused, state, item in queues[record]:
                hid += 1
                shelved = deadline = notice = None
                if state == "on_hold_shelf":
                    shelved = now - timedelta(hours=rng.uniform(1, 96))
                    last_day = timezone.localdate(shelved) + timedelta(days=7)
                    deadline = timezone.make_aware(datetime.combine(last_day, datetime.max.time()))
                    notice = shelved
                counts[state] += 1
                counts["paused"] += paused is not None
                counts["item_level"] += requested is not None
                self.hold_rows.append(
                    (
                        hid, p + 1, rec + 1, None if requested is None else requested + 1,
                        lib_ids[pickup], state, placed, int(placed.timestamp() * 1_000_000),
                        paused, None if item is None else item + 1, shelved,
                        deadline.replace(microsecond=0) if deadline else None, None, "",
                        notice, notice,
                    )
                )  # fmt: skip
        # Closed holds: picked up, cancelled or not picked up, over the last two years.
        closed = round(s.holds * CLOSED_SHARE)
        for _ in range(closed):
            hid += 1
            p = patrons[int(rng.random() * len(patrons))]
            record = rng.choices(range(s.records), cum_weights=self.pop_cum)[0]
            placed = now - timedelta(days=rng.uniform(150, 730))
            state = rng.choices(("fulfilled", "cancelled", "expired"), weights=(75, 17, 8))[0]
            pickup = self.lib_codes.index(self.patrons[p][1])
            self.hold_rows.append(
                (
                    hid, p + 1, record + 1, None, lib_ids[pickup], state, placed,
                    int(placed.timestamp() * 1_000_000), None, None, None, None,
                    placed + timedelta(days=rng.uniform(2, 60)),
                    "Ångrad av låntagaren" if state == "cancelled" else "", None, None,
                )
            )  # fmt: skip
        counts["closed"] = closed
        counts["titles_with_queue"] = len(titles)
        counts["longest_queue"] = max(len(q) for q in queues.values())
        self.hold_counts = counts
        self.step(f"planned holds: {counts}")

    def write_holds(self) -> None:
        cols = [
            "id", "patron_id", "record_id", "requested_item_id", "pickup_library_id", "state",
            "placed_at", "queue_key", "suspended_until", "item_id", "shelved_at",
            "pickup_deadline", "closed_at", "cancel_reason", "notice_queued_at", "notice_sent_at",
        ]  # fmt: skip
        n = copy_rows("circulation_hold", cols, self.hold_rows)
        self.step(f"holds written ({n})")

    def write_items(self) -> None:
        rng, now = self.rng, self.now
        lib_ids = [self.libs[c] for c in self.lib_codes]
        status = {0: "available", 1: "on_loan", 2: "in_transit", 4: "on_hold_shelf"}
        cols = [
            "id", "record_id", "barcode", "home_library_id", "current_library_id", "item_type_id",
            "shelf_location", "call_number", "status", "price", "acquired_on", "last_borrowed_at",
            "loan_count", "public_note", "created_at", "updated_at",
        ]  # fmt: skip
        lost = set(rng.sample(range(self.item_count), self.item_count // 500))

        def rows():
            for i in range(self.item_count):
                st = status[self.item_state[i]]
                if st == "available" and i in lost:
                    st = rng.choice(("missing", "lost", "withdrawn"))
                yield (
                    i + 1, self.item_record[i] + 1, str(3_000_000_000 + i + 1),
                    lib_ids[self.item_home[i]], lib_ids[self.item_current[i]], self.item_type[i],
                    "Vuxen", "Hc", st, Decimal("249.00"),
                    self.today - timedelta(days=rng.randint(0, 7000)), self.item_last[i],
                    self.item_loans[i], "", now, now,
                )  # fmt: skip

        copy_rows("catalog_item", cols, rows())
        self.step(f"items written ({self.item_count})")

    def write_loans(self) -> None:
        rng, s = self.rng, self.s
        lib_ids = [self.libs[c] for c in self.lib_codes]
        cols = [
            "item_id", "patron_id", "checkout_library_id", "rules_library_id", "checked_out_at",
            "due_at", "renewals", "last_renewed_at", "returned_at", "returned_library_id",
            "end_reason", "staff_id", "override_reason",
        ]  # fmt: skip
        heavy = sorted(self.heavy_history)
        keepers = sorted(self.keeps_history - self.heavy_history)
        # Heavy borrowers' kept histories: 100–1,000 loans each (log-uniform).
        quota = [(p, int(math.exp(rng.uniform(math.log(100), math.log(1000))))) for p in heavy]
        owners = [p + 1 for p, k in quota for _ in range(k)][: s.history]
        five_years = 5 * 365 * 86400

        def rows():
            for item, pid, lib, out, due in self.open_loans:
                lid = lib_ids[lib]
                yield item + 1, pid, lid, lid, out, due, 0, None, None, None, "", None, ""
            for k, item in enumerate(self.history_items):
                if k < len(owners):
                    pid = owners[k]
                elif keepers and rng.random() < 0.1:
                    pid = rng.choice(keepers) + 1
                else:
                    pid = None
                returned = self.now - timedelta(seconds=rng.uniform(86400, five_years))
                out = returned - timedelta(days=rng.uniform(2, 45))
                renewals = 1 if rng.random() < 0.2 else 0
                due = out + timedelta(days=28 * (1 + renewals))
                lib = rng.choice(lib_ids)
                yield (
                    item + 1, pid, lib, lib, out, due, renewals, None, returned, lib,
                    "returned", None, "",
                )  # fmt: skip

        n = copy_rows("circulation_loan", cols, rows())
        self.step(f"loans written ({n})")

    def write_fees_and_transfers(self) -> None:
        from transport import routing
        from transport.selectors import load_network

        rng, now = self.rng, self.now
        lib_ids = [self.libs[c] for c in self.lib_codes]
        fee_patrons = rng.sample(range(1, self.s.patrons + 1), self.s.patrons // 50)
        copy_rows(
            "circulation_fee",
            ["patron_id", "library_id", "kind", "amount", "description", "created_at", "state",
             "waive_reason"],
            (
                (p, rng.choice(lib_ids), "overdue", Decimal(rng.choice((10, 20, 35, 60))),
                 "Försenad återlämning", now - timedelta(days=rng.randint(1, 300)), "open", "")
                for p in fee_patrons
            ),
        )  # fmt: skip
        network = load_network(now=now)
        routes: dict[tuple[int, int], tuple[list, datetime | None, str]] = {}
        for a in range(len(lib_ids)):
            for b in range(len(lib_ids)):
                if a == b:
                    continue
                try:
                    r = routing.plan_route(
                        network,
                        start=self.lib_codes[a],
                        destination=self.lib_codes[b],
                        now=now - timedelta(days=1),
                    )
                    routes[a, b] = (json.dumps([h.as_json() for h in r.hops]), r.arrives, "")
                except routing.NoRoute as refused:
                    routes[a, b] = ("[]", None, refused.message[:300])
        copy_rows(
            "transport_transfer",
            ["item_id", "from_library_id", "to_library_id", "reason", "state", "route",
             "current_hop", "expected_arrival", "planned_at", "route_problem", "created_at"],
            (
                (item + 1, lib_ids[a], lib_ids[b], reason, "in_transit", routes[a, b][0],
                 0, routes[a, b][1], now - timedelta(days=1), routes[a, b][2],
                 now - timedelta(days=1))
                for item, a, b, reason in self.transfers
            ),
        )  # fmt: skip
        self.step(f"fees ({len(fee_patrons)}) and transfers ({len(self.transfers)}) written")

    def finish(self) -> None:
        for table in BIG_TABLES:
            _sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )

    def run(self) -> dict:
        self.setup()
        self.step("fixed data, rule matrix and bench user ready")
        self.plan_catalogue()
        self.plan_patrons()
        self.plan_circulation()
        self.plan_holds()
        with transaction.atomic():
            _sql("SET LOCAL maintenance_work_mem = '512MB'")
            _sql("SET LOCAL synchronous_commit = off")
            _skip_foreign_key_triggers()
            indexes = _secondary_indexes()
            for name, _definition in indexes:
                _sql(f'DROP INDEX "{name}"')
            self.step(f"dropped {len(indexes)} secondary indexes for the load")
            self.write_records()
            self.write_patrons()
            self.write_items()
            self.write_loans()
            self.write_fees_and_transfers()
            self.write_holds()
            self.finish()
            for _name, definition in indexes:
                _sql(definition)
            self.step(f"rebuilt {len(indexes)} indexes")
        with connection.cursor() as cursor:
            for table in BIG_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.step("vacuum analyze done")
        return {
            "records": self.s.records,
            "items": self.item_count,
            "patrons": self.patron_count,
            "open_loans": len(self.open_loans),
            "returned_loans": self.s.history,
            "transfers": len(self.transfers),
            "holds": self.hold_counts,
            "seconds": round(time.perf_counter() - self.t0, 1),
        }


def _skip_foreign_key_triggers() -> None:
    """The generator writes consistent ids, so as a superuser it skips the row-by-row foreign
    key triggers (replica mode); otherwise the checks run as rows arrive (not deferred to
    commit, so the indexes can be rebuilt inside the same transaction)."""
    try:
        with transaction.atomic():
            _sql("SET LOCAL session_replication_role = replica")
    except Exception:
        _sql("SET CONSTRAINTS ALL IMMEDIATE")


_ASCII = str.maketrans("åäöéÅÄÖÉ ", "aaoeaaoe-")


def _cumulative(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for v in values:
        total += v
        yield total
