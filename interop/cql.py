"""PURE: a parser for CQL, the Contextual Query Language of SRU (1.2 and 2.0).

    dinosaur                          a term alone searches cql.serverChoice with "="
    title = "röda rummet"             index relation term
    dc.creator all "lindgren astrid"  context-set prefixes are kept in the index name
    title exact "Röda rummet" and (subject any "sjöar hav" or not year < 1900)
    title =/relevant mio              relation modifiers are parsed and ignored
    > dc = "info:srw/cql-context-set/1/dc-v1.1" title = x   prefix maps are accepted

The grammar is the one of the CQL specification (booleans left-associative, all of equal
precedence, parentheses group). ``prox`` and sortBy are not supported: they raise
``CQLError`` with the matching SRU diagnostic number, as does any syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SRU diagnostics (info:srw/diagnostic/1/N) the parser can raise.
SYNTAX_ERROR = 10
UNSUPPORTED_BOOLEAN = 37
UNSUPPORTED_SORT = 80

BOOLEANS = {"and", "or", "not", "prox"}
SYMBOL_RELATIONS = ("==", "<>", "<=", ">=", "=", "<", ">")
WORD_RELATIONS = {"all", "any", "adj", "exact", "within", "encloses"}
MAX_DEPTH = 50
MAX_LENGTH = 2000


class CQLError(Exception):
    def __init__(self, code: int, message: str, details: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Clause:
    index: str  # lower-cased, e.g. "cql.serverchoice", "title", "dc.creator"
    relation: str  # "=", "==", "all", "any", "adj", "exact", "<", ...
    term: str


@dataclass(frozen=True)
class Boolean:
    op: str  # "and", "or", "not"
    left: Clause | Boolean
    right: Clause | Boolean


Node = Clause | Boolean

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<paren>[()])
      | (?P<slash>/)
      | (?P<symbol>==|<>|<=|>=|=|<|>)
      | (?P<word>[^\s()"/=<>]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # quoted | paren | slash | symbol | word
    text: str


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise CQLError(SYNTAX_ERROR, "Query syntax error", text[pos:][:40])
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "quoted":
            if len(value) < 2 or not value.endswith('"'):
                raise CQLError(SYNTAX_ERROR, "Unbalanced quotation marks", value[:40])
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append(_Tok(kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise CQLError(SYNTAX_ERROR, "Query syntax error", "unexpected end of query")
        self.pos += 1
        return tok

    def query(self) -> Node:
        # Prefix assignments: > name = "uri" or > "uri" (accepted, not needed here).
        while (tok := self.peek()) and tok.kind == "symbol" and tok.text == ">":
            self.take()
            if (nxt := self.peek(1)) and nxt.kind == "symbol" and nxt.text == "=":
                self.take()
                self.take()
            self.take()
        node = self.scoped()
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text.lower() == "sortby":
            raise CQLError(UNSUPPORTED_SORT, "Sort not supported", "sortBy")
        return node

    def scoped(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CQLError(SYNTAX_ERROR, "Query too deeply nested")
        node = self.clause()
        while (tok := self.peek()) and tok.kind == "word" and tok.text.lower() in BOOLEANS:
            op = self.take().text.lower()
            if op == "prox":
                raise CQLError(UNSUPPORTED_BOOLEAN, "Unsupported boolean operator", "prox")
            self.modifiers()
            node = Boolean(op, node, self.clause())
        self.depth -= 1
        return node

    def modifiers(self) -> None:
        while (tok := self.peek()) and tok.kind == "slash":
            self.take()
            name = self.take()
            if name.kind not in {"word", "quoted"}:
                raise CQLError(SYNTAX_ERROR, "Query syntax error", "bad modifier")
            if (sym := self.peek()) and sym.kind == "symbol":
                self.take()
                self.take()

    def clause(self) -> Node:
        tok = self.take()
        if tok.kind == "paren" and tok.text == "(":
            node = self.scoped()
            close = self.take()
            if close.kind != "paren" or close.text != ")":
                raise CQLError(SYNTAX_ERROR, "Query syntax error", "missing )")
            return node
        if tok.kind not in {"word", "quoted"}:
            raise CQLError(SYNTAX_ERROR, "Query syntax error", tok.text)
        relation = self.relation()
        if relation is None:
            return Clause("cql.serverchoice", "=", tok.text)
        term = self.take()
        if term.kind not in {"word", "quoted"}:
            raise CQLError(SYNTAX_ERROR, "Query syntax error", f"no term after {relation}")
        return Clause(tok.text.lower(), relation, term.text)

    def relation(self) -> str | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.kind == "symbol" and tok.text in SYMBOL_RELATIONS:
            self.take()
            self.modifiers()
            return tok.text
        nxt = self.peek(1)
        is_word_relation = (
            tok.kind == "word"
            and tok.text.lower() not in BOOLEANS
            and nxt is not None
            and nxt.kind in {"word", "quoted", "slash"}
            and (tok.text.lower() in WORD_RELATIONS or "." in tok.text)
        )
        if is_word_relation:
            self.take()
            self.modifiers()
            name = tok.text.lower()
            return name.split(".", 1)[1] if name.startswith("cql.") else name
        return None


def parse(text: str) -> Node:
    """The query's tree, or ``CQLError`` (diagnostic 10 for syntax)."""
    text = (text or "").strip()
    if not text:
        raise CQLError(7, "Mandatory parameter not supplied", "query")
    if len(text) > MAX_LENGTH or "\x00" in text:
        raise CQLError(SYNTAX_ERROR, "Query syntax error", "query too long or contains NUL")
    parser = _Parser(_tokens(text))
    node = parser.query()
    if parser.peek() is not None:
        raise CQLError(SYNTAX_ERROR, "Query syntax error", f"unexpected {parser.peek().text}")
    return node
