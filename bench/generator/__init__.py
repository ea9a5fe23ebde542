"""A synthetic consortium at benchmark scale, written with COPY (``generate_consortium``).

Shape (see docs/performance.md): Swedish titles and authors, Zipf-distributed popularity (copies
and loans follow it), items and patrons spread over the five libraries by population, patron
categories by age, 1.5 % heavy borrowers with 100–1,000 loans in their kept history, a lending
rule matrix with local overrides, open loans (some overdue), five years of returned loans (most
without the patron link, as Swedish libraries cut it at return), a few open fees, transfers
in flight, and holds: queues on popular titles whose oldest holds already caught a copy (on the
hold shelf or on their way), a few item-level and paused holds, and closed ones. Benchmark
fixtures: institution patrons with 1,000 open loans (``staff_note`` "bench:heavy"), patrons
with 100 open loans ("bench:renew-all") and a desk user "bench".

Everything is planned in memory, then each table is written with one COPY inside one
transaction; secondary indexes of the big tables are dropped first and rebuilt at the end
(building an index once is much faster than maintaining it row by row), and the search vectors
are computed set-based while the records move from a staging table into ``catalog_record``.

The code: ``shape`` (the scales and shares), ``sql`` (MARC, COPY, table helpers), ``catalogue``,
``people`` and ``circulation`` (the plan and the COPY of each part, mixins of ``Generator``),
``core`` (``Generator.run``). ``from bench import generator`` keeps working as before.
"""

from __future__ import annotations

from bench.generator.core import Generator
from bench.generator.shape import (
    BENCH_PASSWORD,
    BENCH_USER,
    BIG_TABLES,
    SCALES,
    GeneratorRefused,
    Scale,
    scaled,
)
from bench.generator.sql import copy_rows, is_empty, iso2709, reset

__all__ = [
    "BENCH_PASSWORD",
    "BENCH_USER",
    "BIG_TABLES",
    "SCALES",
    "Generator",
    "GeneratorRefused",
    "Scale",
    "copy_rows",
    "is_empty",
    "iso2709",
    "reset",
    "scaled",
]
