"""The SRU server (/sru): explain and searchRetrieve, SRU 1.1/1.2 and 2.0 (docs/interop.md).

Responses are XML in the version's namespace; every problem is an SRU diagnostic in the
response (HTTP 200), as SRU clients expect. Records are ordered by id, so paging is stable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from interop import records as rx
from interop.cql import CQLError, parse
from interop.search import INDEXES
from interop.search import records as matching

NS = {
    "1.2": "http://www.loc.gov/zing/srw/",
    "2.0": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
}
DIAG_NS = {
    "1.2": "http://www.loc.gov/zing/srw/diagnostic/",
    "2.0": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
}
EXPLAIN_NS = "http://explain.z3950.org/dtd/2.0/"
ET.register_namespace("srw", NS["1.2"])
ET.register_namespace("sru", NS["2.0"])
ET.register_namespace("diag", DIAG_NS["1.2"])
ET.register_namespace("zr", EXPLAIN_NS)

SCHEMAS = {
    "marcxml": ("info:srw/schema/1/marcxml-v1.1", "marcxml"),
    "marc21": ("info:srw/schema/1/marcxml-v1.1", "marcxml"),
    "marc": ("info:srw/schema/1/marcxml-v1.1", "marcxml"),
    "info:srw/schema/1/marcxml-v1.1": ("info:srw/schema/1/marcxml-v1.1", "marcxml"),
    "dc": ("info:srw/schema/1/dc-v1.1", "dc"),
    "info:srw/schema/1/dc-v1.1": ("info:srw/schema/1/dc-v1.1", "dc"),
}
DEFAULT_MAXIMUM = 10
MAXIMUM = 100


@dataclass
class Diagnostic(Exception):
    code: int
    message: str
    details: str = ""


def _version(request: HttpRequest) -> str:
    asked = request.GET.get("version", "")
    if not asked:
        return "1.2" if "operation" in request.GET else "2.0"
    if asked in {"1.1", "1.2"}:
        return "1.2"
    if asked.startswith("2."):
        return "2.0"
    return ""


def _int(request: HttpRequest, name: str, default: int, low: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Diagnostic(6, "Unsupported parameter value", name) from None
    if value < low or value > 2**31:
        raise Diagnostic(6, "Unsupported parameter value", name)
    return value


def _xml(root: ET.Element) -> HttpResponse:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _el(parent: ET.Element, ns: str, name: str, text=None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        el.text = str(text)
    return el


def _diagnostics(parent: ET.Element, version: str, diags: list[Diagnostic]) -> None:
    ns = NS[version]
    box = _el(parent, ns, "diagnostics")
    for d in diags:
        diag = _el(box, DIAG_NS[version], "diagnostic")
        _el(diag, DIAG_NS[version], "uri", f"info:srw/diagnostic/1/{d.code}")
        if d.details:
            _el(diag, DIAG_NS[version], "details", rx.clean(d.details))
        _el(diag, DIAG_NS[version], "message", d.message)


def sru(request: HttpRequest) -> HttpResponse:
    version = _version(request)
    if not version:
        root = ET.Element(f"{{{NS['1.2']}}}explainResponse")
        _el(root, NS["1.2"], "version", "1.2")
        _diagnostics(root, "1.2", [Diagnostic(5, "Unsupported version", "1.1, 1.2, 2.0")])
        return _xml(root)
    operation = request.GET.get("operation", "")
    if not operation:
        operation = "searchRetrieve" if request.GET.get("query") else "explain"
    if operation == "explain":
        return _xml(explain(request, version))
    if operation == "searchRetrieve":
        return _xml(search_retrieve(request, version))
    root = ET.Element(f"{{{NS[version]}}}explainResponse")
    _el(root, NS[version], "version", version)
    _diagnostics(root, version, [Diagnostic(4, "Unsupported operation", operation[:40])])
    return _xml(root)


def explain(request: HttpRequest, version: str) -> ET.Element:
    ns = NS[version]
    root = ET.Element(f"{{{ns}}}explainResponse")
    _el(root, ns, "version", version)
    record = _el(root, ns, "record")
    _el(record, ns, "recordSchema", "http://explain.z3950.org/dtd/2.0/")
    _el(record, ns, "recordPacking", "xml")
    data = _el(record, ns, "recordData")
    zr = _el(data, EXPLAIN_NS, "explain")
    server = _el(zr, EXPLAIN_NS, "serverInfo", None)
    server.set("protocol", "SRU")
    server.set("version", version)
    _el(server, EXPLAIN_NS, "host", request.get_host().split(":")[0])
    port = request.get_port()
    _el(server, EXPLAIN_NS, "port", port)
    _el(server, EXPLAIN_NS, "database", "sru")
    info = _el(zr, EXPLAIN_NS, "databaseInfo")
    _el(info, EXPLAIN_NS, "title", settings.SRU_DATABASE_TITLE).set("lang", "sv")
    _el(info, EXPLAIN_NS, "description", settings.SRU_DATABASE_DESCRIPTION).set("lang", "sv")
    index_info = _el(zr, EXPLAIN_NS, "indexInfo")
    for name, identifier in (("cql", "info:srw/cql-context-set/1/cql-v1.2"),):
        cs = _el(index_info, EXPLAIN_NS, "set")
        cs.set("name", name)
        cs.set("identifier", identifier)
    for name in INDEXES:
        index = _el(index_info, EXPLAIN_NS, "index")
        map_ = _el(index, EXPLAIN_NS, "map")
        set_name, _, index_name = name.rpartition(".")
        n = _el(map_, EXPLAIN_NS, "name", index_name)
        n.set("set", set_name or "cql")
    schema_info = _el(zr, EXPLAIN_NS, "schemaInfo")
    for short, identifier in (
        ("marcxml", "info:srw/schema/1/marcxml-v1.1"),
        ("dc", "info:srw/schema/1/dc-v1.1"),
    ):
        schema = _el(schema_info, EXPLAIN_NS, "schema")
        schema.set("name", short)
        schema.set("identifier", identifier)
        _el(schema, EXPLAIN_NS, "title", short)
    config = _el(zr, EXPLAIN_NS, "configInfo")
    _el(config, EXPLAIN_NS, "default", DEFAULT_MAXIMUM).set("type", "numberOfRecords")
    _el(config, EXPLAIN_NS, "setting", MAXIMUM).set("type", "maximumRecords")
    return root


def search_retrieve(request: HttpRequest, version: str) -> ET.Element:
    ns = NS[version]
    root = ET.Element(f"{{{ns}}}searchRetrieveResponse")
    _el(root, ns, "version", version)
    try:
        start = _int(request, "startRecord", 1, 1)
        maximum = min(_int(request, "maximumRecords", DEFAULT_MAXIMUM, 0), MAXIMUM)
        schema_name = (request.GET.get("recordSchema") or "marcxml").lower()
        if schema_name not in SCHEMAS:
            raise Diagnostic(66, "Unknown schema for retrieval", schema_name[:80])
        schema_uri, schema = SCHEMAS[schema_name]
        packing = _packing(request, version)
        try:
            node = parse(request.GET.get("query", ""))
            queryset = matching(node)
            total = queryset.count()
            ordered = queryset.order_by("pk").values_list("pk", flat=True)
            page = list(ordered[start - 1 : start - 1 + maximum])
        except CQLError as exc:
            raise Diagnostic(exc.code, exc.message, exc.details) from None
    except Diagnostic as diag:
        _el(root, ns, "numberOfRecords", 0)
        _diagnostics(root, version, [diag])
        return root
    _el(root, ns, "numberOfRecords", total)
    if page:
        box = _el(root, ns, "records")
        for position, record in enumerate(rx.load(page), start=start):
            rec = _el(box, ns, "record")
            _el(rec, ns, "recordSchema", schema_uri)
            _el(rec, ns, "recordPacking" if version == "1.2" else "recordXMLEscaping", packing)
            data = _el(rec, ns, "recordData")
            element = (
                rx.marcxml(record)
                if schema == "marcxml"
                else rx.dublin_core(record, root_tag="dc", root_ns=rx.SRW_DC_NS)
            )
            if packing == "string":
                data.text = ET.tostring(element, encoding="unicode")
            else:
                data.append(element)
            _el(rec, ns, "recordIdentifier", record.id)
            _el(rec, ns, "recordPosition", position)
    if start - 1 + maximum < total and maximum:
        _el(root, ns, "nextRecordPosition", start + maximum)
    if version == "1.2":
        echo = _el(root, ns, "echoedSearchRetrieveRequest")
        _el(echo, ns, "version", version)
        _el(echo, ns, "query", rx.clean(request.GET.get("query", "")))
        _el(echo, ns, "startRecord", start)
        _el(echo, ns, "maximumRecords", maximum)
        _el(echo, ns, "recordPacking", packing)
        _el(echo, ns, "recordSchema", schema_name)
    return root


def _packing(request: HttpRequest, version: str) -> str:
    name = "recordPacking" if version == "1.2" else "recordXMLEscaping"
    value = request.GET.get(name, "xml") or "xml"
    if version == "2.0" and value in {"packed", "unpacked"}:
        value = "xml"  # 2.0's recordPacking means something else; both fine for us
    if value not in {"xml", "string"}:
        raise Diagnostic(71, "Unsupported record data packing", value[:20])
    return value
