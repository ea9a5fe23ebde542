"""The OAI-PMH repository: every verb, its errors, resumption, deletions, and a real harvester
(sickle) harvesting everything, incrementally and per set from a live server."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from sickle import Sickle

from catalog import services
from catalog.models import DeletedRecord, Item, Record
from interop import oai
from tests.catalog.factories import RecordFactory

pytestmark = pytest.mark.django_db
NS = {
    "o": oai.OAI_NS,
    "dc": "http://purl.org/dc/elements/1.1/",
    "marc": "http://www.loc.gov/MARC21/slim",
}


def get(client, **params):
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def error(root) -> str | None:
    el = root.find("o:error", NS)
    return el.get("code") if el is not None else None


def ident(record) -> str:
    return oai.oai_identifier(record.id)


def test_identify(client, small_catalog):
    root = get(client, verb="Identify")
    box = root.find("o:Identify", NS)
    assert box.find("o:protocolVersion", NS).text == "2.0"
    assert box.find("o:deletedRecord", NS).text == "persistent"
    assert box.find("o:granularity", NS).text == "YYYY-MM-DDThh:mm:ssZ"
    assert box.find("o:baseURL", NS).text == "http://testserver/oai"


def test_metadata_formats_and_sets(client, small_catalog):
    root = get(client, verb="ListMetadataFormats")
    prefixes = [el.text for el in root.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == ["marc21", "oai_dc"]
    root = get(client, verb="ListMetadataFormats", identifier=ident(small_catalog["mio"]))
    assert error(root) is None
    root = get(client, verb="ListMetadataFormats", identifier="oai:elsewhere:1")
    assert error(root) == "idDoesNotExist"
    sets = [el.text for el in get(client, verb="ListSets").iterfind(".//o:setSpec", NS)]
    assert {"deg", "hfs", "kga", "khm", "sto"} <= set(sets)


def test_get_record_in_both_formats(client, small_catalog):
    mio = small_catalog["mio"]
    root = get(client, verb="GetRecord", identifier=ident(mio), metadataPrefix="oai_dc")
    header = root.find(".//o:header", NS)
    assert header.find("o:identifier", NS).text == ident(mio)
    assert sorted(el.text for el in header.iterfind("o:setSpec", NS)) == ["kga", "sto"]
    assert root.find(".//dc:title", NS).text == "Mio, min Mio"
    root = get(client, verb="GetRecord", identifier=ident(mio), metadataPrefix="marc21")
    assert root.find(".//marc:datafield[@tag='245']/marc:subfield", NS).text == "Mio, min Mio"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-45"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-02-01",
                "until": "2026-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "xyz"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "bogus": "1"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "GetRecord", "identifier": "oai:x:1"}, "badArgument"),
        (
            {"verb": "GetRecord", "identifier": "oai:x:1", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
    ],
)
def test_errors(client, small_catalog, params, code):
    assert error(get(client, **params)) == code


def test_nul_byte_is_refused_before_the_view(client):
    assert client.get("/oai", {"verb": "Identify", "x": "\x00"}).status_code == 400


def test_repeated_argument_is_bad(client, small_catalog):
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21")
    assert error(ET.fromstring(response.content)) == "badArgument"


def test_post_is_accepted(client, small_catalog):
    response = client.post("/oai", {"verb": "Identify"})
    assert error(ET.fromstring(response.content)) is None


def test_resumption_tokens_page_through_everything(client, small_catalog, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    seen, token, cursors = [], None, []
    while True:
        params = {"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}
        root = get(client, verb="ListIdentifiers", **params)
        seen += [el.text for el in root.iterfind(".//o:header/o:identifier", NS)]
        el = root.find(".//o:resumptionToken", NS)
        if el is None:
            break
        cursors.append(el.get("cursor"))
        token = el.text
        if not token:
            break
    assert sorted(seen) == sorted(ident(r) for r in small_catalog.values())
    assert cursors == ["0", "2", "4"]


def test_withdrawn_and_deleted_records_are_reported_deleted(client, small_catalog):
    emil = small_catalog["emil"]
    services.withdraw_item(item=emil.items.get())
    lonely = RecordFactory(title="Utan exemplar")
    services.delete_record(record=lonely)
    assert DeletedRecord.objects.filter(record_id=lonely.id).exists()
    root = get(client, verb="ListRecords", metadataPrefix="oai_dc")
    status = {
        h.find("o:identifier", NS).text: h.get("status") for h in root.iterfind(".//o:header", NS)
    }
    assert status[ident(emil)] == "deleted"
    assert status[oai.oai_identifier(lonely.id)] == "deleted"
    assert status[ident(small_catalog["mio"])] is None
    # A deleted record has a header and no metadata.
    got = get(client, verb="GetRecord", identifier=ident(emil), metadataPrefix="marc21")
    assert got.find(".//o:metadata", NS) is None
    # The DEG set still carries it (its copy was DEG's), so a set harvester learns of it.
    root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="deg")
    assert [h.get("status") for h in root.iterfind(".//o:header", NS)] == ["deleted"]


def test_from_until_select_by_datestamp(client, small_catalog):
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.withdraw_item(item=small_catalog["rummet"].items.get())
    stamp = oai.datestamp(later - timedelta(seconds=1))
    root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp})
    assert [h.find("o:identifier", NS).text for h in root.iterfind(".//o:header", NS)] == [
        ident(small_catalog["rummet"])
    ]
    day = later.date().isoformat()
    root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day)
    assert len(root.findall(".//o:header", NS)) == 5
    before = (later - timedelta(days=1)).date().isoformat()
    root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=before)
    assert len(root.findall(".//o:header", NS)) == 4


def test_list_statements_are_constant(client, small_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        get(client, verb="ListRecords", metadataPrefix="marc21")


@pytest.mark.django_db(transaction=True)
def test_sickle_harvests_all_incrementally_and_per_set(live_server, small_catalog, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)  # force resumption tokens
    sickle = Sickle(f"{live_server.url}/oai")
    assert sickle.Identify().deletedRecord == "persistent"

    everything = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert sorted(r.header.identifier for r in everything) == sorted(
        ident(r) for r in small_catalog.values()
    )
    titles = {r.metadata["title"][0] for r in everything}
    assert "Röda rummet" in titles and "Nils Holgerssons underbara resa genom Sverige" in titles

    # Per set: KGA holds Mio and Nils.
    kga = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="marc21", set="kga")}
    assert kga == {ident(small_catalog["mio"]), ident(small_catalog["nils"])}

    # Incremental: after the first harvest, one record changes and one copy is weeded.
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        rummet = Record.objects.get(pk=small_catalog["rummet"].id)
        services.update_record(
            record=rummet, marc_record=_retitled(rummet, "Röda rummet (ny uppl.)")
        )
        services.withdraw_item(item=Item.objects.get(barcode="3000000005"))
    since = oai.datestamp(later - timedelta(minutes=1))
    changed = list(
        sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False, **{"from": since})
    )
    by_id = {r.header.identifier: r for r in changed}
    assert set(by_id) == {ident(small_catalog["rummet"]), ident(small_catalog["hemsoborna"])}
    assert by_id[ident(small_catalog["hemsoborna"])].header.deleted
    assert by_id[ident(small_catalog["rummet"])].metadata["title"][0].startswith("Röda rummet (ny")


def _retitled(record, title):
    from catalog.marc import from_iso2709

    marc = from_iso2709(bytes(record.marc))
    marc["245"]["a"] = title
    return marc
