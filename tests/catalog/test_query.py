"""Parsing what patrons type (pure)."""

import pytest

from catalog.query import Term, parse_query, tsquery_text


@pytest.mark.parametrize(
    ("text", "terms", "isbn", "tsquery"),
    [
        (
            "astrid lindgren",
            (Term(("astrid",)), Term(("lindgren",))),
            None,
            "'astrid' & ('lindgren' | 'lindgr')",
        ),
        (
            '"bröderna lejonhjärta"',
            (Term(("bröderna", "lejonhjärta"), phrase=True),),
            None,
            "(('bröderna' | 'bröd') <-> ('lejonhjärta' | 'lejonhjärt'))",
        ),
        (
            "title:mio author:lindgren",
            (Term(("mio",), "A"), Term(("lindgren",), "B")),
            None,
            "'mio':A & ('lindgren':B | 'lindgr':B)",
        ),
        (
            'subject:"svensk skönlitteratur"',
            (Term(("svensk", "skönlitteratur"), "C", True),),
            None,
            "('svensk':C <-> 'skönlitteratur':C)",
        ),
        ("isbn:91-29-65770-9", (), "9789129657708", ""),
        ("978-91-502-2231-9", (), "9789150222319", ""),
        ("Fel: stavning", (Term(("fel",)), Term(("stavning",))), None, "'fel' & 'stavning'"),
        ("a&b | c:*!", (Term(("a", "b"), phrase=True), Term(("c",))), None, "('a' <-> 'b') & 'c'"),
        ("", (), None, ""),
    ],
)
def test_parse_query(text, terms, isbn, tsquery):
    parsed = parse_query(text)
    assert parsed.terms == terms
    assert parsed.isbn == isbn
    assert tsquery_text(parsed) == tsquery


def test_prefix_for_suggestions():
    assert tsquery_text(parse_query("bröderna lejonhj"), prefix_last=True) == (
        "('bröderna' | 'bröd') & 'lejonhj':*"
    )
    assert tsquery_text(parse_query("title:lejonhj"), prefix_last=True) == "'lejonhj':*A"


def test_loose_form_of_a_phrase_is_its_words_anded_without_weights():
    # What the GIN index answers without reading rows: the phrase's candidates.
    parsed = parse_query('title:"resan till" mora')
    assert tsquery_text(parsed) == "('resan':A <-> 'till':A) & ('mora' | 'mor')"
    assert tsquery_text(parsed, loose=True) == "('resan' & 'till') & ('mora' | 'mor')"
