"""Rebuild every record's search vector (after a change to catalog.text, the tokenizer)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from catalog.indexing import rebuild_all_search_vectors


class Command(BaseCommand):
    help = "Rebuild the search vectors of all records with the Python tokenizer (catalog.text)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        started = time.monotonic()
        done = rebuild_all_search_vectors(
            batch_size=batch_size,
            progress=lambda n: self.stdout.write(f"{n} records", ending="\r"),
        )
        self.stdout.write(f"{done} search vectors rebuilt in {time.monotonic() - started:.1f} s")
