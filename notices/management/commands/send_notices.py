"""``manage.py send_notices [--dry-run] [--date YYYY-MM-DD]``: the nightly notice run."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices import services


class Command(BaseCommand):
    help = "Work out and send the notices due today (or on --date); --dry-run only counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--date", help="run as on this day (YYYY-MM-DD)")

    def handle(self, *args, dry_run: bool = False, date: str | None = None, **options) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        if date:
            try:
                today = _parse(date)
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
            now = timezone.make_aware(datetime.combine(today, time(2, 0)))
        report = services.run(now=now, today=today, dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(report.by_kind.items())) or "none"
        self.stdout.write(
            f"{today}: {report.loans} open loans looked at; {verb} {kinds}; "
            f"{report.bills} loans billed as lost"
        )


def _parse(text: str) -> date:
    return date.fromisoformat(text)
