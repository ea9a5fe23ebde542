"""The scales (T0–T3) and the consortium's shape: libraries by population, media, languages,
patron ages, shares of holds. Plain values only."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    # The national union catalogue's size (≈ 10 M records): a consortium of many municipalities.
    "T3": Scale(
        records=10_000_000,
        items=20_000_000,
        patrons=2_000_000,
        history=20_000_000,
        heavy=3,
        renew_all=30,
        holds=200_000,
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
