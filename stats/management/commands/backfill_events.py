from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stats.backfill import backfill


class Command(BaseCommand):
    help = (
        "Build circulation events from the loan, hold and transfer tables for the time before "
        "the event log began (idempotent), and refresh the rollups of those days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", help="ISO time; default: the first logged event")

    def handle(self, *args, **options):
        until = None
        if options["until"]:
            try:
                until = datetime.fromisoformat(options["until"])
            except ValueError as error:
                raise CommandError(f"--until: {error}") from None
            if timezone.is_naive(until):
                until = timezone.make_aware(until)
        written = backfill(now=timezone.now(), until=until)
        for kind, rows in written.items():
            self.stdout.write(f"{kind}: {rows}")
