"""Table tests of the weeding plan's pure rules: criteria, candidates, last-copy protection,
execution refusals and storage libraries."""

from datetime import UTC, date, datetime

import pytest

from collection import rules
from collection.rules import CopyFacts, Criteria, Holding

TODAY = date(2026, 12, 5)


def at(y, m=6, d=1):
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("common", "local", "expected", "sources"),
    [
        (Criteria(3), None, Criteria(3), ("common", "common", "common")),
        (Criteria(3), Criteria(5), Criteria(5), ("local", "common", "common")),
        (
            Criteria(3, 2),
            Criteria(None, None, 10),
            Criteria(3, 2, 10),
            ("common", "common", "local"),
        ),
        (Criteria(), Criteria(None, 1), Criteria(None, 1), ("common", "local", "common")),
    ],
)
def test_effective_criteria(common, local, expected, sources):
    got, source = rules.effective_criteria(common, local)
    assert got == expected
    assert tuple(source[f] for f in rules.CRITERIA_FIELDS) == sources


@pytest.mark.parametrize(
    ("facts", "criteria", "conditions", "expected"),
    [
        # not borrowed for 3 years
        (
            CopyFacts(at(2022), 5, date(2010, 1, 1), date(2010, 1, 1)),
            Criteria(3),
            (),
            ["not_borrowed"],
        ),
        (CopyFacts(at(2024), 5, date(2010, 1, 1), date(2010, 1, 1)), Criteria(3), (), []),
        # never borrowed: counted from acquisition, else from cataloguing
        (CopyFacts(None, 0, date(2020, 1, 1), date(2020, 1, 1)), Criteria(3), (), ["not_borrowed"]),
        (CopyFacts(None, 0, date(2025, 1, 1), date(2010, 1, 1)), Criteria(3), (), []),
        (CopyFacts(None, 0, None, date(2025, 1, 1)), Criteria(3), (), []),
        # every threshold must hold
        (CopyFacts(at(2020), 12, date(2000, 1, 1), date(2000, 1, 1)), Criteria(3, 10), (), []),
        (
            CopyFacts(at(2020), 2, date(2000, 1, 1), date(2000, 1, 1)),
            Criteria(3, 10, 20),
            (),
            ["not_borrowed", "few_loans", "old"],
        ),
        (CopyFacts(at(2020), 2, date(2010, 1, 1), date(2010, 1, 1)), Criteria(3, 10, 20), (), []),
        # exactly at the limit counts as old enough
        (
            CopyFacts(datetime(2023, 12, 5, 8, tzinfo=UTC), 1, None, date(2000, 1, 1)),
            Criteria(3),
            (),
            ["not_borrowed"],
        ),
        # condition proposes whatever the use
        (
            CopyFacts(at(2026), 50, None, date(2025, 1, 1), "damaged"),
            Criteria(3),
            ("damaged",),
            ["condition"],
        ),
        (CopyFacts(at(2026), 50, None, date(2025, 1, 1), "worn"), Criteria(3), ("damaged",), []),
        # no criteria at all: nothing
        (CopyFacts(None, 0, None, date(1990, 1, 1)), Criteria(), (), []),
    ],
)
def test_reasons(facts, criteria, conditions, expected):
    assert rules.reasons(facts, criteria, TODAY, conditions=frozenset(conditions)) == expected


def h(item_id, library="KGA", status="available", storage=False):
    return Holding(item_id, library, status, storage)


@pytest.mark.parametrize(
    ("holdings", "last_copy", "last_outside", "by_library"),
    [
        ([h(1)], True, True, {}),
        ([h(1), h(2, "DEG")], False, False, {"DEG": 1}),
        # on loan, in transit, on the hold shelf count
        ([h(1), h(2, status="on_loan")], False, False, {"KGA": 1}),
        ([h(1), h(2, status="in_transit")], False, False, {"KGA": 1}),
        ([h(1), h(2, status="on_hold_shelf")], False, False, {"KGA": 1}),
        # withdrawn, lost, missing do not
        (
            [h(1), h(2, status="withdrawn"), h(3, status="lost"), h(4, status="missing")],
            True,
            True,
            {},
        ),
        # a copy in storage counts as a copy, but the candidate is the last one outside storage
        ([h(1), h(2, "KGA", "available", storage=True)], False, True, {"KGA": 1}),
        ([h(1), h(2, "STO", "in_storage", storage=True)], False, True, {"STO": 1}),
        ([h(1), h(2, "STO", storage=True), h(3, "HFS")], False, False, {"HFS": 1, "STO": 1}),
    ],
)
def test_last_copy(holdings, last_copy, last_outside, by_library):
    count = rules.count_copies(1, holdings)
    assert count.last_copy is last_copy
    assert count.last_outside_storage is last_outside
    assert count.by_library == by_library


def test_weeding_two_copies_together_is_judged_together():
    holdings = {7: [h(1), h(2, "DEG")], 8: [h(3), h(4), h(5, "HFS")]}
    decisions = [
        rules.Decision(1, 7, "weed"),
        rules.Decision(2, 7, "weed"),  # both copies of title 7: neither may go
        rules.Decision(3, 8, "weed"),
        rules.Decision(4, 8, "weed"),  # title 8 keeps copy 5
    ]
    assert rules.refused_weeds(decisions, holdings) == {1: "last_copy", 2: "last_copy"}
    with_reason = [rules.Decision(1, 7, "weed", "Trasig, finns digitalt"), decisions[1]]
    assert rules.refused_weeds(with_reason, holdings) == {2: "last_copy"}
    stored = {7: [h(1), h(2, "STO", storage=True)]}
    assert rules.refused_weeds([rules.Decision(1, 7, "weed")], stored) == {
        1: "last_outside_storage"
    }
    assert rules.refused_weeds([rules.Decision(1, 7, "storage")], {7: [h(1)]}) == {}


@pytest.mark.parametrize(
    ("media_type", "classification", "expected"),
    [
        ("book", "Hc.01", "KHM"),  # the longer prefix wins
        ("book", "Hc", "HFS"),
        ("book", "Q", "KGA"),  # the catch-all
        ("music", "Ij", "STO"),  # a media-type rule beats any prefix-only rule
        ("video", "", "KGA"),
    ],
)
def test_storage_library(media_type, classification, expected):
    plan = [
        rules.StorageRule("KGA"),
        rules.StorageRule("HFS", classification_prefix="H"),
        rules.StorageRule("KHM", classification_prefix="Hc.0"),
        rules.StorageRule("STO", media_type="music"),
    ]
    assert (
        rules.storage_library(plan, media_type=media_type, classification=classification)
        == expected
    )
    assert rules.storage_library([], media_type="book", classification="H") is None
