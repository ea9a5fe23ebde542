"""Catalogue benchmark: import rate and search latency on a generated catalogue.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/granslos_bench \\
        .venv/bin/python bench/catalog_bench.py --records 200000

Generates N synthetic MARC21 records (Swedish titles and authors with å/ä/ö, ISBNs, subjects,
852 holdings at the five libraries) as one ISO 2709 file, imports it into an EMPTY catalogue
(create-only), then imports a second file in which every other record is a copy of one already
in the catalogue (matching by 001/003 or ISBN) with holdings for another library, and finally
runs a fixed set of searches (with facets) and reports p50/p95. It WIPES the catalogue tables
of the database it is pointed at: use a database of its own.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.vocabulary import FIRST_NAMES, LAST_NAMES, TITLE_WORDS
from bench.vocabulary import SUBJECTS as VOCAB_SUBJECTS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

FIRST = FIRST_NAMES
LAST = LAST_NAMES
WORDS = TITLE_WORDS
SUBJECTS = VOCAB_SUBJECTS
LIBS = ["KGA"] * 6 + ["KHM"] * 5 + ["DEG"] * 2 + ["HFS"] * 2 + ["STO"]
QUERIES = [
    "sommar",
    "hemlighet skogen",
    '"resan till"',
    "author:lindgren",
    "title:älgen",
    "subject:deckare",
    "lagerlöf",
    "kärlek döden",
    "värmland historia",
    "9789100000172",
    "bröder",
    'title:"sommar i"',
    "ångström",
    "mormor",
    "järnväg bruket",
    "fjäll stugan vinter",
    "flickan",
    "öberg",
    "trädgård",
    "drakar riddare",
]


def isbn13(n: int) -> str:
    core = f"97891{n:07d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def generate(
    n: int,
    *,
    start: int,
    rng: random.Random,
    library_override: str | None = None,
    copy_of: int | None = None,
) -> bytes:
    import pymarc

    out = bytearray()
    for i in range(start, start + n):
        number = copy_of if copy_of is not None else i
        r = random.Random(number)  # the same number always gives the same book
        rec = pymarc.Record(leader="00000cam a2200000 a 4500", force_utf8=True)
        year = r.randint(1900, 2024)
        lang = "swe" if r.random() < 0.85 else r.choice(["eng", "fin", "ara", "ger"])
        aud = r.choice([" ", " ", " ", "j", "d"])
        rec.add_field(pymarc.Field(tag="001", data=f"B{number:09d}"))
        rec.add_field(pymarc.Field(tag="003", data="BENCH"))
        rec.add_field(
            pymarc.Field(tag="008", data=f"200101s{year}    sw ||||{aud}     |00| 0|{lang} d")
        )

        def df(tag, subs, ind=(" ", " "), rec=rec):
            rec.add_field(
                pymarc.Field(
                    tag=tag,
                    indicators=pymarc.Indicators(*ind),
                    subfields=[pymarc.Subfield(c, v) for c, v in subs],
                )
            )

        df("020", [("a", isbn13(number))])
        author = f"{r.choice(LAST)}, {r.choice(FIRST)}"
        df("100", [("a", author)], ("1", " "))
        title = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 4))).capitalize()
        df(
            "245",
            [("a", title), ("c", author.split(", ")[1] + " " + author.split(", ")[0])],
            ("1", "0"),
        )
        df("264", [("b", "Förlaget"), ("c", str(year))], (" ", "1"))
        df("650", [("a", r.choice(SUBJECTS))], (" ", "7"))
        if r.random() < 0.3:
            df("520", [("a", " ".join(r.choice(WORDS) for _ in range(20)))])
        copies = r.randint(1, 3)
        for c in range(copies):
            lib = library_override or r.choice(LIBS)
            df("852", [("b", lib), ("h", "Hc " + author.split(",")[0]), ("p", f"{lib}{i:09d}{c}")])
        out += rec.as_marc()
    return bytes(out)


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a local process (for the PostgreSQL backend of our connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall time, and the CPU time of this process plus its PostgreSQL backend: on a shared
    machine the CPU figure says what the code costs, the wall figure what the load allowed."""

    def __init__(self, backend_pid: int | None):
        self.backend_pid = backend_pid

    def _cpu(self) -> float:
        own = time.process_time()
        try:
            return own + (cpu_seconds(self.backend_pid) if self.backend_pid else 0.0)
        except OSError:
            return own

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = self._cpu() - self.cpu0
        self.load = os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.importer import import_marc
    from catalog.search import search
    from libraries.consortium import ensure_all

    call_command("migrate", verbosity=0)
    ensure_all()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_item, catalog_record RESTART IDENTITY CASCADE")

    rng = random.Random(42)
    t = time.perf_counter()
    data = generate(args.records, start=0, rng=rng)
    print(
        f"generated {args.records} records ({len(data) / 1e6:.0f} MB) in "
        f"{time.perf_counter() - t:.1f}s",
        flush=True,
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with Clock(backend) as clock:
        report = import_marc(data=data, batch_size=2000)
    print(f"create-only import: {report.summary()}", flush=True)
    print(
        f"  wall: {report.total / clock.wall:.0f} records/s ({clock.wall:.1f}s, load avg "
        f"{clock.load:.1f}); CPU (python + postgres): {report.total / clock.cpu:.0f} records/s "
        f"({clock.cpu:.1f}s)",
        flush=True,
    )
    del data

    # Second pass: N/4 records, every other one a copy of an existing record (matching by 001
    # and ISBN), new holdings at Storfors; the rest new.
    second_n = max(1000, args.records // 4)
    parts = []
    for k in range(second_n):
        if k % 2 == 0:
            parts.append(
                generate(
                    1,
                    start=args.records + k,
                    rng=rng,
                    library_override="STO",
                    copy_of=rng.randrange(args.records),
                )
            )
        else:
            parts.append(generate(1, start=args.records + k, rng=rng))
    data = b"".join(parts)
    with Clock(backend) as clock:
        report = import_marc(data=data, batch_size=2000)
    print(f"import with matching: {report.summary()}", flush=True)
    print(
        f"  wall: {report.total / clock.wall:.0f} records/s ({clock.wall:.1f}s, load avg "
        f"{clock.load:.1f}); CPU (python + postgres): {report.total / clock.cpu:.0f} records/s "
        f"({clock.cpu:.1f}s)",
        flush=True,
    )

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_record")
        cursor.execute("VACUUM ANALYZE catalog_item")
    timings = []
    per_query = {}
    for q in QUERIES:  # warm-up
        search(text=q)
    for _ in range(args.repeat):
        for q in QUERIES:
            t = time.perf_counter()
            result = search(text=q)
            ms = (time.perf_counter() - t) * 1000
            timings.append(ms)
            per_query.setdefault(q, []).append((ms, result.total))
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    for q, runs in per_query.items():
        print(f"  {q!r:28} {statistics.median(m for m, _n in runs):7.1f} ms  {runs[0][1]} hits")
    print(
        f"search (page + facets), {len(timings)} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(load avg {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
