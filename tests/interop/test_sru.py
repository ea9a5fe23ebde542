"""The SRU server: explain, searchRetrieve (CQL, schemas, paging), diagnostics, yaz-client."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from interop.sru import DIAG_NS, NS

pytestmark = pytest.mark.django_db
S12 = {"srw": NS["1.2"], "diag": DIAG_NS["1.2"], "marc": "http://www.loc.gov/MARC21/slim"}
S20 = {"sru": NS["2.0"], "diag": DIAG_NS["2.0"]}


def get(client, **params):
    response = client.get("/sru", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def search(client, query, **extra):
    params = {"version": "1.2", "operation": "searchRetrieve", "query": query, **extra}
    return get(client, **params)


def hits(root, ns=S12, prefix="srw") -> int:
    return int(root.find(f"{prefix}:numberOfRecords", ns).text)


def titles(root) -> list[str]:
    out = []
    for field in root.iterfind(".//marc:datafield[@tag='245']", S12):
        out.append(field.find("marc:subfield[@code='a']", S12).text)
    return out


def diagnostic(root, ns=S12, prefix="srw") -> str:
    return root.find(f"{prefix}:diagnostics/diag:diagnostic/diag:uri", ns).text


def test_explain_lists_indexes_and_schemas(client, small_catalog):
    root = get(client, version="1.2", operation="explain")
    assert root.tag == f"{{{NS['1.2']}}}explainResponse"
    text = ET.tostring(root, encoding="unicode")
    for index in ("title", "author", "subject", "isbn", "serverChoice"):
        assert f">{index}<" in text
    assert "info:srw/schema/1/marcxml-v1.1" in text
    assert "info:srw/schema/1/dc-v1.1" in text
    # No parameters at all: an SRU 2.0 explain.
    assert get(client).tag == f"{{{NS['2.0']}}}explainResponse"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lindgren", {"mio", "emil"}),
        ("title = mio", {"mio"}),
        ('title = "röda rummet"', {"rummet"}),
        ("author = strindberg", {"rummet", "hemsoborna"}),
        ("dc.creator = strindberg and title = röda", {"rummet"}),
        ("author = lindgren or author = lagerlöf", {"mio", "emil", "nils"}),
        ("author = lindgren not title = emil", {"mio"}),
        ("subject = sverige", {"nils"}),
        ('title any "emil hemsöborna"', {"emil", "hemsoborna"}),
        ('title all "emil hemsöborna"', set()),
        ('title adj "min mio"', {"mio"}),
        ('title == "Mio, min Mio"', {"mio"}),
        ('title exact "mio, min mio"', {"mio"}),
        ('author exact "Lindgren, Astrid"', {"mio", "emil"}),
        ("isbn = 91-29-68831-0", {"mio"}),
        ("isbn = 9789129688313", {"mio"}),
        ("year < 1900", {"rummet", "hemsoborna"}),
        ("year >= 1954", {"mio", "emil"}),
        ("year <> 1954 and author = lindgren", {"emil"}),
        (
            "(author = lindgren or author = strindberg) and year < 1960",
            {"mio", "rummet", "hemsoborna"},
        ),
        ("cql.anywhere = sagor", {"mio"}),
        ("nothingmatchesthis", set()),
    ],
)
def test_search_retrieve_finds(client, small_catalog, query, expected):
    ids = {key: rec.id for key, rec in small_catalog.items()}
    root = search(client, query, maximumRecords="50")
    found = {
        int(el.text) for el in root.iterfind("srw:records/srw:record/srw:recordIdentifier", S12)
    }
    assert found == {ids[k] for k in expected}
    assert hits(root) == len(expected)


def test_marcxml_records_carry_holdings(client, small_catalog):
    root = search(client, "title = mio")
    record = root.find(".//marc:record", S12)
    libraries = sorted(
        f.find("marc:subfield[@code='b']", S12).text
        for f in record.iterfind("marc:datafield[@tag='852']", S12)
    )
    assert libraries == ["KGA", "STO"]
    assert titles(root) == ["Mio, min Mio"]


def test_dublin_core_and_string_packing(client, small_catalog):
    root = search(client, "title = mio", recordSchema="dc")
    dc = root.find(".//{info:srw/schema/1/dc-schema}dc")
    assert dc.find("{http://purl.org/dc/elements/1.1/}title").text == "Mio, min Mio"
    assert dc.find("{http://purl.org/dc/elements/1.1/}creator").text == "Lindgren, Astrid"
    packed = search(client, "title = mio", recordPacking="string")
    data = packed.find("srw:records/srw:record/srw:recordData", S12)
    assert len(data) == 0 and "<marc:record" in data.text
    inner = ET.fromstring(data.text)
    assert inner.tag == "{http://www.loc.gov/MARC21/slim}record"


def test_paging(client, small_catalog):
    first = search(client, "author = lindgren or author = strindberg", maximumRecords="2")
    assert hits(first) == 4
    assert len(first.findall("srw:records/srw:record", S12)) == 2
    assert first.find("srw:nextRecordPosition", S12).text == "3"
    second = search(
        client, "author = lindgren or author = strindberg", maximumRecords="2", startRecord="3"
    )
    positions = [el.text for el in second.iterfind(".//srw:recordPosition", S12)]
    assert positions == ["3", "4"]
    assert second.find("srw:nextRecordPosition", S12) is None
    ids_first = {el.text for el in first.iterfind(".//srw:recordIdentifier", S12)}
    ids_second = {el.text for el in second.iterfind(".//srw:recordIdentifier", S12)}
    assert not ids_first & ids_second
    # Only the count.
    none = search(client, "author = lindgren", maximumRecords="0")
    assert hits(none) == 2 and none.find("srw:records", S12) is None


def test_sru_2_0(client, small_catalog):
    root = get(client, version="2.0", query="title = mio")
    assert root.tag == f"{{{NS['2.0']}}}searchRetrieveResponse"
    assert hits(root, S20, "sru") == 1
    bad = get(client, version="2.0", query="title = (")
    assert diagnostic(bad, S20, "sru") == "info:srw/diagnostic/1/10"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"query": "title = ("}, 10),
        ({"query": "a prox b"}, 37),
        ({"query": "publisher = x"}, 16),
        ({"query": "title < x"}, 19),
        ({"query": "isbn < 1"}, 20),
        ({"query": "x", "recordSchema": "mods"}, 66),
        ({"query": "x", "startRecord": "abc"}, 6),
        ({"query": "x", "startRecord": "0"}, 6),
        ({"query": "x", "maximumRecords": "-1"}, 6),
        ({"query": "x", "maximumRecords": "99999999999999999999"}, 6),
        ({"query": "x", "recordPacking": "json"}, 71),
        ({"query": ""}, 7),
    ],
)
def test_diagnostics_not_errors(client, small_catalog, params, code):
    root = search(client, **params) if "query" in params else None
    assert diagnostic(root) == f"info:srw/diagnostic/1/{code}"
    assert hits(root) == 0


def test_nul_byte_is_refused_before_the_view(client):
    assert client.get("/sru", {"query": "a\x00b"}).status_code == 400


def test_unsupported_version_and_operation(client):
    root = get(client, version="3.0", operation="explain")
    assert diagnostic(root) == "info:srw/diagnostic/1/5"
    root = get(client, version="1.2", operation="scan")
    assert diagnostic(root) == "info:srw/diagnostic/1/4"


def test_statements_do_not_grow_with_page_size(
    client, small_catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        search(client, "author = lindgren or author = strindberg", maximumRecords="50")


@pytest.mark.skipif(not shutil.which("yaz-client"), reason="yaz-client missing (apt install yaz)")
@pytest.mark.django_db(transaction=True)
def test_yaz_client_against_live_server(live_server, small_catalog):
    script = "\n".join(
        [
            f"open {live_server.url}/sru",
            "sru get 1.2",
            "querytype cql",
            "find author = strindberg",
            "show 1+2",
            "find title = (",
            "quit",
            "",
        ]
    )
    out = subprocess.run(
        ["yaz-client"], input=script, capture_output=True, text=True, timeout=60
    ).stdout
    assert "Number of hits: 2" in out
    assert "Röda rummet" in out and "Hemsöborna" in out
    assert 'tag="852"' in out
    assert "info:srw/diagnostic/1/10" in out
