"""Generate a synthetic consortium for the benchmark (bench/generator) into an empty database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bench import generator


class Command(BaseCommand):
    help = "Build a synthetic consortium (T0 ≈ 10k records, T1 ≈ 250k, T2 ≈ 1M, T3 ≈ 10M)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(generator.SCALES), default="T0")
        parser.add_argument(
            "--records", type=int, help="resize the scale to this many records (smoke runs)"
        )
        parser.add_argument(
            "--holds", type=int, help="waiting holds to generate (T0 400, T1 20,000, T2 40,000)"
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the catalogue, patron, loan and transfer tables first",
        )

    def handle(self, *args, scale, records, holds, seed, reset, **options):
        if reset:
            generator.reset()
        elif not generator.is_empty():
            raise CommandError(
                "The database already holds records, patrons or loans. Use an empty, migrated "
                "database, or --reset to empty those tables first (this deletes them)."
            )
        size = generator.scaled(scale, records, holds)
        self.stdout.write(f"generating {scale}: {size}")
        summary = generator.Generator(size, seed=seed, log=self.stdout.write).run()
        self.stdout.write(self.style.SUCCESS(f"done: {summary}"))
