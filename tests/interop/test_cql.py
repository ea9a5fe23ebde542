"""The CQL parser: a table of queries and the trees (or diagnostics) they give."""

import pytest

from interop.cql import Boolean, Clause, CQLError, parse


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("dinosaur", Clause("cql.serverchoice", "=", "dinosaur")),
        ('"röda rummet"', Clause("cql.serverchoice", "=", "röda rummet")),
        ("title = mio", Clause("title", "=", "mio")),
        ("title=mio", Clause("title", "=", "mio")),
        ('dc.title all "mio min mio"', Clause("dc.title", "all", "mio min mio")),
        ('Title ANY "a b"', Clause("title", "any", "a b")),
        ('title cql.adj "a b"', Clause("title", "adj", "a b")),
        ('title == "Mio, min Mio"', Clause("title", "==", "Mio, min Mio")),
        ("title exact x", Clause("title", "exact", "x")),
        ("year < 1900", Clause("year", "<", "1900")),
        ("year >= 1900", Clause("year", ">=", "1900")),
        ("year <> 1900", Clause("year", "<>", "1900")),
        ('title = "say \\"hi\\""', Clause("title", "=", 'say "hi"')),
        ("title =/relevant mio", Clause("title", "=", "mio")),
        (
            "a and b",
            Boolean(
                "and", Clause("cql.serverchoice", "=", "a"), Clause("cql.serverchoice", "=", "b")
            ),
        ),
        (
            "a or b and c",
            Boolean(
                "and",
                Boolean(
                    "or", Clause("cql.serverchoice", "=", "a"), Clause("cql.serverchoice", "=", "b")
                ),
                Clause("cql.serverchoice", "=", "c"),
            ),
        ),
        (
            "a or (b not c)",
            Boolean(
                "or",
                Clause("cql.serverchoice", "=", "a"),
                Boolean(
                    "not",
                    Clause("cql.serverchoice", "=", "b"),
                    Clause("cql.serverchoice", "=", "c"),
                ),
            ),
        ),
        ('> dc = "info:srw/cql-context-set/1/dc-v1.1" dc.title = x', Clause("dc.title", "=", "x")),
        ("and", Clause("cql.serverchoice", "=", "and")),
    ],
)
def test_parses(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", 7),
        ("   ", 7),
        ("a and", 10),
        ("(a", 10),
        ("a)", 10),
        ("title =", 10),
        ('title = "open', 10),
        ("a b", 10),
        ("a prox b", 37),
        ("a sortBy title", 80),
        ("(" * 200 + "a" + ")" * 200, 10),
        ("a\x00b", 10),
        ("x" * 3000, 10),
    ],
)
def test_diagnostics(query, code):
    with pytest.raises(CQLError) as caught:
        parse(query)
    assert caught.value.code == code
