"""Reading MARC files: ISO 2709 or MARCXML, record by record, each problem kept with its record
(``catalog.marc`` re-exports these names)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pymarc
from django.utils.translation import gettext_lazy as _


class MarcError(Exception):
    """A record (or a whole file) that cannot be imported; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ReadResult:
    """One record of a file: ``number`` counts from 1; either ``record`` or ``error`` is set."""

    number: int
    record: pymarc.Record | None = None
    error: MarcError | None = None


PYMARC_REASONS = {
    "RecordLengthInvalid": ("broken_leader", _("the record length in the leader is invalid")),
    "BaseAddressInvalid": ("broken_leader", _("the base address in the leader is invalid")),
    "BaseAddressNotFound": ("broken_leader", _("the base address in the leader is missing")),
    "RecordDirectoryInvalid": ("broken_directory", _("the record directory is invalid")),
    "NoFieldsFound": ("no_fields", _("the record has no fields")),
    "TruncatedRecord": ("truncated", _("the record is truncated")),
    "EndOfRecordNotFound": ("truncated", _("the end-of-record mark is missing")),
    "UnicodeDecodeError": ("wrong_encoding", _("the record is not in the declared encoding")),
    "ValueError": ("broken_leader", _("the leader or directory holds non-numeric data")),
}


def detect_format(data: bytes) -> str:
    """ "xml" for MARCXML, "iso2709" otherwise (looks past a BOM and whitespace)."""
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "xml" if head.startswith(b"<") else "iso2709"


def read_records(data: bytes) -> Iterator[ReadResult]:
    """Yield every record of an ISO 2709 (MARC-8 or UTF-8) or MARCXML file, numbered from 1.

    A broken record comes back as a ``ReadResult`` with an error; reading goes on after it.
    An empty file or one that is not MARC at all raises ``MarcError``.
    """
    if not data.strip():
        raise MarcError("empty_file", str(_("the file is empty")))
    if detect_format(data) == "xml":
        yield from _read_xml(data)
        return
    if not data[:5].isdigit():
        raise MarcError("not_marc", str(_("the file is neither ISO 2709 MARC nor MARCXML")))
    reader = pymarc.MARCReader(
        io.BytesIO(data), to_unicode=True, force_utf8=False, utf8_handling="strict"
    )
    number = 0
    while True:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                record = next(reader)
            except StopIteration:
                return
        number += 1
        if record is None:
            exc = reader.current_exception
            name = type(exc).__name__ if exc else "ValueError"
            reason, message = PYMARC_REASONS.get(
                name, ("unreadable", _("the record cannot be read"))
            )
            yield ReadResult(number, error=MarcError(reason, str(message)))
            continue
        problem = _encoding_problem(record, reader.current_chunk, caught)
        if problem:
            yield ReadResult(number, error=problem)
        else:
            yield ReadResult(number, record=record)


def _encoding_problem(record: pymarc.Record, chunk: bytes, caught) -> MarcError | None:
    if record.leader[9] == "a":
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            return MarcError(
                "wrong_encoding", str(_("the leader says UTF-8 but the record is not valid UTF-8"))
            )
    for w in caught:
        if "subfield code" in str(w.message):
            return MarcError(
                "bad_subfield_code",
                str(_("a subfield code is not a letter or digit (wrong encoding?)")),
            )
    return None


class _RecordByRecord(pymarc.marcxml.XmlHandler):
    """pymarc's MARCXML handler, but an error inside one <record> (a bad leader, a bad tag)
    spoils only that record: it becomes an error result and parsing goes on."""

    def __init__(self) -> None:
        super().__init__(strict=False, normalize_form="NFC")
        self.results: list[ReadResult] = []
        self._error: str = ""

    def startElementNS(self, name, qname, attrs):
        if name[1] == "record":
            self._error = ""
        if self._error:
            return
        try:
            super().startElementNS(name, qname, attrs)
        except Exception as exc:
            self._error = str(exc) or type(exc).__name__

    def endElementNS(self, name, qname):
        if name[1] == "record" and (self._error or self._record is None):
            self.results.append(
                ReadResult(
                    len(self.results) + 1,
                    error=MarcError(
                        "invalid",
                        str(_("the MARCXML record is invalid: %(error)s") % {"error": self._error}),
                    ),
                )
            )
            self._record, self._field, self._text, self._error = None, None, [], ""
            return
        if self._error:
            self._text = []
            return
        try:
            super().endElementNS(name, qname)
        except Exception as exc:
            self._error = str(exc) or type(exc).__name__

    def process_record(self, record):
        self.results.append(ReadResult(len(self.results) + 1, record=record))


def _read_xml(data: bytes) -> Iterator[ReadResult]:
    """Record by record, like ISO 2709: a broken <record> is reported and skipped. XML that is
    not well-formed ends the file there (the records before it are kept)."""
    handler = _RecordByRecord()
    broken = None
    try:
        pymarc.marcxml.parse_xml(io.BytesIO(data), handler)
    except Exception as exc:
        broken = exc
    if broken is not None and not handler.results:
        raise MarcError(
            "bad_xml", str(_("the MARCXML file cannot be parsed: %(error)s") % {"error": broken})
        )
    if not handler.results:
        raise MarcError("empty_file", str(_("the file holds no MARC records")))
    yield from handler.results
    if broken is not None:
        yield ReadResult(
            len(handler.results) + 1,
            error=MarcError(
                "bad_xml",
                str(
                    _("the MARCXML file cannot be parsed from here on: %(error)s")
                    % {"error": broken}
                ),
            ),
        )
