"""The OAI-PMH 2.0 repository (/oai): the shared catalogue for harvesters (docs/interop.md).

- Identifiers ``oai:<OAI_REPOSITORY_IDENTIFIER>:<record id>``; datestamps are the record's
  ``updated_at`` (moves on every edit and when copies are added, moved or withdrawn), seconds
  granularity, UTC.
- Sets: one per library (setSpec = the library's code in lower case): the records with a copy
  whose home is that library, withdrawn copies included (so a set's harvester sees the
  record turn deleted).
- Deleted records are persistent: a record with no copy left in the consortium (every copy
  withdrawn) is answered with status="deleted"; a record deleted outright left a
  ``catalog.DeletedRecord`` behind.
- Lists are ordered by record id and cut into pages of PAGE_SIZE with a signed resumption
  token (it carries the request's arguments and the last id; a forged or stale one is
  ``badResumptionToken``).
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Exists, Min, OuterRef
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from catalog.models import DeletedRecord, Item, Record
from interop import records as rx
from libraries.models import Library

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ET.register_namespace("", OAI_NS)
ET.register_namespace("oai-identifier", "http://www.openarchives.org/OAI/2.0/oai-identifier")
PAGE_SIZE = 100
TOKEN_SALT = "interop.oai.resumption"  # noqa: S105 — a signing salt, not a secret
TOKEN_MAX_AGE = 24 * 3600

FORMATS = {
    "marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", rx.MARC_NS),
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", rx.OAI_DC_NS),
}
VERBS = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OAIError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ListArgs:
    prefix: str
    from_: datetime | None = None
    until: datetime | None = None
    set_code: str = ""
    after: int = 0  # the last record id already sent
    sent: int = 0  # how many were sent before this page (the token's cursor)


def datestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: str, *, until: bool) -> tuple[datetime, str]:
    """(the instant, its granularity) for an OAI from/until argument."""
    try:
        if DAY.match(value):
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return (day + timedelta(days=1) - timedelta(microseconds=1) if until else day), "day"
        if SECOND.match(value):
            instant = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return (instant + timedelta(microseconds=999_999) if until else instant), "second"
    except ValueError:
        pass
    raise OAIError("badArgument", f"Bad date: {value[:40]}")


def local_id(identifier: str) -> int:
    prefix = f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:"
    if identifier.startswith(prefix) and identifier[len(prefix) :].isdigit():
        value = int(identifier[len(prefix) :])
        if value < 2**63:
            return value
    raise OAIError("idDoesNotExist", "No such identifier")


def oai_identifier(record_id: int) -> str:
    return f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{record_id}"


# --- the view -------------------------------------------------------------------------------


def oai(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    root = ET.Element(f"{{{OAI_NS}}}OAI-PMH")
    root.set(
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
        f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    )
    ET.SubElement(root, f"{{{OAI_NS}}}responseDate").text = datestamp(timezone.now())
    request_el = ET.SubElement(root, f"{{{OAI_NS}}}request")
    request_el.text = base_url(request)
    verb = params.get("verb", "")
    try:
        args = _arguments(params, verb)
        for name, value in args.items():
            request_el.set(name, value)
        request_el.set("verb", verb)
        HANDLERS[verb](request, root, args)
    except OAIError as exc:
        error = ET.SubElement(root, f"{{{OAI_NS}}}error")
        error.set("code", exc.code)
        error.text = exc.message
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(request.path)


def _arguments(params, verb: str) -> dict[str, str]:
    if verb not in VERBS:
        raise OAIError("badVerb", "Illegal or missing verb")
    allowed = VERBS[verb]
    args: dict[str, str] = {}
    for name in params:
        if name == "verb":
            if len(params.getlist(name)) > 1:
                raise OAIError("badVerb", "Repeated verb")
            continue
        values = params.getlist(name)
        if name not in allowed or len(values) > 1:
            raise OAIError("badArgument", f"Illegal or repeated argument: {name[:40]}")
        if "\x00" in values[0]:
            raise OAIError("badArgument", f"Bad value of {name}")
        args[name] = values[0]
    if "resumptionToken" in args and len(args) > 1:
        raise OAIError("badArgument", "resumptionToken is an exclusive argument")
    return args


def _el(parent: ET.Element, name: str, text=None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{OAI_NS}}}{name}")
    if text is not None:
        el.text = str(text)
    return el


def identify(request, root, args) -> None:
    box = _el(root, "Identify")
    _el(box, "repositoryName", settings.SRU_DATABASE_TITLE)
    _el(box, "baseURL", base_url(request))
    _el(box, "protocolVersion", "2.0")
    _el(box, "adminEmail", settings.OAI_ADMIN_EMAIL)
    earliest = Record.objects.aggregate(m=Min("updated_at"))["m"] or timezone.now()
    deleted = DeletedRecord.objects.aggregate(m=Min("deleted_at"))["m"]
    if deleted and deleted < earliest:
        earliest = deleted
    _el(box, "earliestDatestamp", datestamp(earliest))
    _el(box, "deletedRecord", "persistent")
    _el(box, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = _el(box, "description")
    ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
    ident = ET.SubElement(description, f"{{{ns}}}oai-identifier")
    ET.SubElement(ident, f"{{{ns}}}scheme").text = "oai"
    ET.SubElement(ident, f"{{{ns}}}repositoryIdentifier").text = settings.OAI_REPOSITORY_IDENTIFIER
    ET.SubElement(ident, f"{{{ns}}}delimiter").text = ":"
    ET.SubElement(ident, f"{{{ns}}}sampleIdentifier").text = oai_identifier(1)


def list_metadata_formats(request, root, args) -> None:
    if "identifier" in args:
        rid = local_id(args["identifier"])
        if not (
            Record.objects.filter(pk=rid).exists()
            or DeletedRecord.objects.filter(record_id=rid).exists()
        ):
            raise OAIError("idDoesNotExist", "No such identifier")
    box = _el(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        fmt = _el(box, "metadataFormat")
        _el(fmt, "metadataPrefix", prefix)
        _el(fmt, "schema", schema)
        _el(fmt, "metadataNamespace", namespace)


def list_sets(request, root, args) -> None:
    if "resumptionToken" in args:
        raise OAIError("badResumptionToken", "ListSets is never split")
    box = _el(root, "ListSets")
    for library in Library.objects.order_by("code"):
        entry = _el(box, "set")
        _el(entry, "setSpec", library.code.lower())
        _el(entry, "setName", library.name)


def get_record(request, root, args) -> None:
    if "identifier" not in args or "metadataPrefix" not in args:
        raise OAIError("badArgument", "identifier and metadataPrefix are required")
    prefix = _prefix(args["metadataPrefix"])
    rid = local_id(args["identifier"])
    records = rx.load([rid])
    box = _el(root, "GetRecord")
    if records:
        _record(box, records[0], prefix, with_metadata=True, set_codes=_set_codes(records))
        return
    deleted = DeletedRecord.objects.filter(record_id=rid).first()
    if deleted is None:
        raise OAIError("idDoesNotExist", "No such identifier")
    _deleted(box, deleted, _library_codes())


def _prefix(value: str) -> str:
    if value not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"Unknown metadataPrefix: {value[:40]}")
    return value


def list_identifiers(request, root, args) -> None:
    _list(root, args, "ListIdentifiers", with_metadata=False)


def list_records(request, root, args) -> None:
    _list(root, args, "ListRecords", with_metadata=True)


def _list_args(args: dict[str, str]) -> ListArgs:
    if "resumptionToken" in args:
        return _read_token(args["resumptionToken"])
    if "metadataPrefix" not in args:
        raise OAIError("badArgument", "metadataPrefix is required")
    out = ListArgs(prefix=_prefix(args["metadataPrefix"]))
    grains = set()
    if "from" in args:
        out.from_, grain = parse_date(args["from"], until=False)
        grains.add(grain)
    if "until" in args:
        out.until, grain = parse_date(args["until"], until=True)
        grains.add(grain)
    if len(grains) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity")
    if out.from_ and out.until and out.from_ > out.until:
        raise OAIError("badArgument", "from is later than until")
    if "set" in args:
        codes = _library_codes()
        if args["set"] not in codes.values():
            raise OAIError("badArgument", f"No such set: {args['set'][:40]}")
        out.set_code = args["set"]
    return out


def _library_codes() -> dict[int, str]:
    return {lib.id: lib.code.lower() for lib in Library.objects.only("id", "code")}


def _list(root: ET.Element, args: dict[str, str], verb: str, *, with_metadata: bool) -> None:
    la = _list_args(args)
    codes = _library_codes()
    set_library = next((lid for lid, code in codes.items() if code == la.set_code), None)

    live = Record.objects.filter(pk__gt=la.after)
    gone = DeletedRecord.objects.filter(record_id__gt=la.after)
    if la.from_:
        live = live.filter(updated_at__gte=la.from_)
        gone = gone.filter(deleted_at__gte=la.from_)
    if la.until:
        live = live.filter(updated_at__lte=la.until)
        gone = gone.filter(deleted_at__lte=la.until)
    if set_library is not None:
        live = live.filter(
            Exists(Item.objects.filter(record_id=OuterRef("pk"), home_library_id=set_library))
        )
        gone = gone.filter(library_ids__contains=[set_library])
    live_ids = list(live.order_by("pk").values_list("pk", flat=True)[: PAGE_SIZE + 1])
    gone_rows = list(gone.order_by("record_id")[: PAGE_SIZE + 1])
    merged = sorted(
        [(rid, None) for rid in live_ids] + [(row.record_id, row) for row in gone_rows],
        key=lambda pair: pair[0],
    )
    page, more = merged[:PAGE_SIZE], len(merged) > PAGE_SIZE
    if not page:
        raise OAIError("noRecordsMatch", "No records match")
    box = _el(root, verb)
    loaded = {r.id: r for r in rx.load([rid for rid, row in page if row is None])}
    set_codes = _set_codes(list(loaded.values()), codes)
    for rid, row in page:
        if row is not None:
            _deleted(box, row, codes, header_only=not with_metadata)
        elif rid in loaded:
            _record(box, loaded[rid], la.prefix, with_metadata=with_metadata, set_codes=set_codes)
    token = _el(box, "resumptionToken")
    token.set("cursor", str(la.sent))
    if more:
        nxt = ListArgs(la.prefix, la.from_, la.until, la.set_code, page[-1][0], la.sent + len(page))
        token.text = _write_token(nxt)
        expires = timezone.now() + timedelta(seconds=TOKEN_MAX_AGE)
        token.set("expirationDate", datestamp(expires))
    elif la.sent == 0:
        box.remove(token)  # a complete list in one answer carries no token


def _set_codes(records: list[Record], codes: dict[int, str] | None = None) -> dict[int, list[str]]:
    codes = codes if codes is not None else _library_codes()
    out: dict[int, set[str]] = {}
    for record in records:
        for item in getattr(record, "loaded_items", []):
            out.setdefault(record.id, set()).add(codes.get(item.home_library_id, ""))
    return {rid: sorted(c for c in found if c) for rid, found in out.items()}


def _header(parent: ET.Element, rid: int, stamp: datetime, sets: list[str], deleted: bool):
    header = _el(parent, "header")
    if deleted:
        header.set("status", "deleted")
    _el(header, "identifier", oai_identifier(rid))
    _el(header, "datestamp", datestamp(stamp))
    for code in sets:
        _el(header, "setSpec", code)
    return header


def _record(box, record: Record, prefix: str, *, with_metadata: bool, set_codes) -> None:
    deleted = not record.library_ids
    sets = set_codes.get(record.id, [])
    if not with_metadata:
        _header(box, record.id, record.updated_at, sets, deleted)
        return
    entry = _el(box, "record")
    _header(entry, record.id, record.updated_at, sets, deleted)
    if deleted:
        return
    metadata = _el(entry, "metadata")
    if prefix == "marc21":
        metadata.append(rx.marcxml(record))
    else:
        metadata.append(rx.dublin_core(record, root_tag="dc", root_ns=rx.OAI_DC_NS))


def _deleted(box, row: DeletedRecord, codes, *, header_only: bool = False) -> None:
    sets = sorted(codes[lid] for lid in row.library_ids if lid in codes)
    parent = box if header_only else _el(box, "record")
    _header(parent, row.record_id, row.deleted_at, sets, deleted=True)


# --- resumption tokens ----------------------------------------------------------------------


def _write_token(args: ListArgs) -> str:
    payload = {
        "p": args.prefix,
        "f": args.from_.isoformat() if args.from_ else None,
        "u": args.until.isoformat() if args.until else None,
        "s": args.set_code,
        "a": args.after,
        "n": args.sent,
    }
    signed = signing.dumps(payload, salt=TOKEN_SALT, compress=True)
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def _read_token(token: str) -> ListArgs:
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        payload = signing.loads(raw, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        return ListArgs(
            prefix=_prefix(payload["p"]),
            from_=datetime.fromisoformat(payload["f"]) if payload["f"] else None,
            until=datetime.fromisoformat(payload["u"]) if payload["u"] else None,
            set_code=str(payload["s"]),
            after=int(payload["a"]),
            sent=int(payload["n"]),
        )
    except (ValueError, KeyError, TypeError, signing.BadSignature, json.JSONDecodeError):
        raise OAIError("badResumptionToken", "Invalid or expired resumptionToken") from None


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
    "GetRecord": get_record,
}
