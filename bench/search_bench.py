"""OPAC search over a fixed query set: the OPAC page in-process (warm) and the search selector on
a fresh database connection (cold).

"Cold" here means: a new PostgreSQL backend (empty catalogue/relation caches, no cached plans)
after ``DISCARD ALL``, and a new Django connection. The operating system's page cache and
PostgreSQL's shared buffers are NOT emptied (the server is shared and dropping OS caches needs
privileges the benchmark should not use), so "cold" is "cold connection, warm disk cache".
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.db import connection
from django.test import Client

from bench.stats import Series, StatementCounter

# (label, OPAC query string parameters)
QUERIES: list[tuple[str, dict]] = [
    ("common word: och", {"q": "och"}),
    ("common word: sommar", {"q": "sommar"}),
    ("common words: i skogen", {"q": "i skogen"}),
    ("two words", {"q": "hemlighet skogen"}),
    ("rare word", {"q": "kopparslagaren"}),
    ("rare word 2", {"q": "nyckelharpan"}),
    ("author", {"q": "author:lindgren"}),
    ("author name", {"q": "Selma Lagerlöf"}),
    ("author å/ö", {"q": "Ångström"}),
    ("title field", {"q": "title:älgen"}),
    ("subject", {"q": "subject:deckare"}),
    ("phrase", {"q": '"resan till"'}),
    ("phrase 2", {"q": '"sommar och vinter"'}),
    ("ISBN", {"q": "9789100001237"}),
    ("ISBN 2", {"q": "9789100123457"}),
    ("prefix", {"q": "järnv*"}),
    ("facet library", {"q": "sommar", "library": "KGA"}),
    ("facet available", {"q": "kärlek", "available": "STO"}),
    ("facet media", {"q": "historia", "media": "audiobook"}),
    ("facet language+year", {"q": "och", "language": "eng", "year_from": "2000"}),
    ("facet audience", {"q": "drakar", "audience": "children"}),
    ("no hits", {"q": "xyzzyqwerty"}),
]


def _filters(params: dict):
    from catalog.search import Filters
    from libraries.models import Library

    codes = {lib.code: lib.id for lib in Library.objects.all()}
    return Filters(
        library=codes.get(params.get("library", "")),
        available_at=codes.get(params.get("available", "")),
        media_type=params.get("media", ""),
        language=params.get("language", ""),
        audience=params.get("audience", ""),
        year_from=int(params["year_from"]) if params.get("year_from") else None,
    )


def run_warm(rounds: int) -> dict[str, Series]:
    """The OPAC search page through Django's request path, every query ``rounds`` times after
    one warm-up round; one series for all queries and one per query."""
    client = Client()
    total = Series("search_warm")
    per: dict[str, Series] = {label: Series(label) for label, _ in QUERIES}
    for r in range(rounds + 1):
        for label, params in QUERIES:
            url = "/sok/?" + urlencode(params)
            counter = StatementCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url)
                ms = (time.perf_counter() - started) * 1000
            if r == 0:
                continue
            if response.status_code != 200:
                total.errors += 1
                total.note = f"{url}: {response.status_code}"
            total.add(ms, counter.count)
            per[label].add(ms, counter.count)
    return {"search_warm": total, **{f"search: {k}": v for k, v in per.items()}}


def run_cold(rounds: int) -> dict[str, Series]:
    """The search selector on a brand-new connection (after DISCARD ALL) for each query."""
    from catalog.search import search

    series = Series("search_cold", note="new connection + DISCARD ALL; OS/shared buffers warm")
    for _ in range(rounds):
        for _label, params in QUERIES:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute("DISCARD ALL")
            filters = _filters(params)
            started = time.perf_counter()
            search(text=params["q"], filters=filters)
            series.add((time.perf_counter() - started) * 1000)
    connection.close()
    return {"search_cold": series}
