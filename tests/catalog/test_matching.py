"""The pure matching rules, as a table."""

import pytest

from catalog.matching import MatchIndex, find_match, keys_for


def _keys(number="", source="", sysnums=(), isbns=(), title=""):
    return keys_for(
        control_number=number,
        control_source=source,
        system_numbers=sysnums,
        isbns=isbns,
        title=title,
    )


@pytest.fixture
def index():
    idx = MatchIndex()
    idx.add(1, _keys("20203738", "SE-LIBR", ("(BOKR)9789150222319_OLD",), ("9789150222319",)))
    idx.add(2, _keys("00001813", "DLC", ("(OCoLC)23665297",)))
    idx.add(3, _keys("", "", (), ("9789129657708",), "Mio, min Mio"))
    return idx


@pytest.mark.parametrize(
    ("keys", "record", "reason"),
    [
        (_keys("20203738", "SE-LIBR"), 1, "control_number"),
        (_keys("20203738", "DLC"), None, None),  # same number, other source: not the same
        (_keys("x", "y", ("(OCoLC)23665297",)), 2, "system_number"),
        (_keys("x", "y", (), ("9789129657708",)), 3, "isbn"),
        (_keys("00001813", "DLC", (), ("9789129657708",)), 2, "control_number"),  # strongest wins
        (_keys("new", "X", ("(OCoLC)1",), ("9780000000002",)), None, None),
        (_keys("x", "y", (), ("9789129657708",), "Mio min Mio!"), 3, "isbn"),
        # A set's ISBN on another title: not the same book.
        (_keys("x", "y", (), ("9789129657708",), "Bröderna Lejonhjärta"), None, None),
    ],
)
def test_find_match(index, keys, record, reason):
    match = find_match(keys, index)
    if record is None:
        assert match is None
    else:
        assert (match.record_key, match.reason) == (record, reason)
        assert match.message
