"""A small SRU 1.2 client for copy cataloguing (searchRetrieve, MARCXML records)."""

from __future__ import annotations

import io
import logging
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pymarc
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
SRW = "http://www.loc.gov/zing/srw/"
DIAG = "http://www.loc.gov/zing/srw/diagnostic/"
MARC = "http://www.loc.gov/MARC21/slim"
MAX_BYTES = 10 * 1024 * 1024


class SruClientError(Exception):
    """The target could not be asked or gave no answer we understand (message translated)."""


@dataclass
class SruAnswer:
    total: int = 0
    records: list[pymarc.Record] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)


def cql_for(text: str, index: str) -> str:
    """The CQL for what a cataloguer typed in one of the search fields."""
    text = " ".join(text.replace('"', " ").split())
    if not text:
        return ""
    names = {"title": "title", "author": "author", "isbn": "isbn"}
    if index in names:
        return f'{names[index]} = "{text}"'
    return f'"{text}"'


def search(base_url: str, cql: str, *, start: int = 1, maximum: int = 10, timeout: float = 10):
    params = {
        "version": "1.2",
        "operation": "searchRetrieve",
        "query": cql,
        "startRecord": str(start),
        "maximumRecords": str(maximum),
        "recordSchema": "marcxml",
        "recordPacking": "xml",
    }
    url = f"{base_url}?{urllib.parse.urlencode(params)}"
    if not url.startswith(("http://", "https://")):
        raise SruClientError(_("The copy cataloguing target is not an http(s) address."))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — checked above
            body = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        logger.warning("SRU target %s: %s", base_url, exc)
        raise SruClientError(_("The external catalogue did not answer. Try again later.")) from exc
    if len(body) > MAX_BYTES:
        raise SruClientError(_("The external catalogue's answer was too large."))
    return parse_answer(body)


def parse_answer(body: bytes) -> SruAnswer:
    """An SRU searchRetrieveResponse → its count, MARC records and diagnostics. (expat ≥ 2.4
    refuses entity expansion bombs; ElementTree resolves no external entities.)"""
    try:
        root = ET.fromstring(body)  # noqa: S314 — see the docstring
    except ET.ParseError as exc:
        raise SruClientError(_("The external catalogue's answer was not valid XML.")) from exc
    answer = SruAnswer()
    count = root.find(f"{{{SRW}}}numberOfRecords")
    if count is not None and (count.text or "").strip().isdigit():
        answer.total = int(count.text.strip())
    for diag in root.iter(f"{{{DIAG}}}diagnostic"):
        message = diag.findtext(f"{{{DIAG}}}message") or diag.findtext(f"{{{DIAG}}}uri") or ""
        answer.diagnostics.append(message)
    elements = list(root.iter(f"{{{MARC}}}record"))
    for data_el in root.iter(f"{{{SRW}}}recordData"):
        text = (data_el.text or "").strip()
        if text.startswith("<"):  # recordPacking=string: the record as escaped text
            try:
                inner = ET.fromstring(text)  # noqa: S314 — as above
            except ET.ParseError:
                continue
            elements.extend(
                [inner] if inner.tag == f"{{{MARC}}}record" else inner.iter(f"{{{MARC}}}record")
            )
    for marc_el in elements:
        collection = ET.Element(f"{{{MARC}}}collection")
        collection.append(marc_el)
        data = ET.tostring(collection, encoding="utf-8")
        try:
            records = pymarc.parse_xml_to_array(io.BytesIO(data))
        except Exception:
            logger.warning("SRU answer held a MARCXML record pymarc could not read")
            continue
        answer.records.extend(r for r in records if r is not None)
    return answer
