"""Migrate patrons, open loans and holds from the previous system's CSV exports.

    python manage.py migrate_from_csv --patrons patrons.csv --loans loans.csv --holds holds.csv
    python manage.py migrate_from_csv --dir export/ --dry-run --json report.json

Layouts and a sample: docs/migration.md. Run import_marc for the catalogue first.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from interop.migration import RowRejected, migrate


class Command(BaseCommand):
    help = "Migrate patrons, open loans and holds from CSV (docs/migration.md)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="a folder with patrons.csv, loans.csv, holds.csv")
        parser.add_argument("--patrons")
        parser.add_argument("--loans")
        parser.add_argument("--holds")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, store nothing"
        )
        parser.add_argument(
            "--confirm-duplicates",
            action="store_true",
            help="store patrons with the same name and birth date as another (checked by staff)",
        )
        parser.add_argument("--json", help="write the reconciliation report as JSON to this file")

    def handle(self, *args, **options):
        files = {}
        folder = Path(options["dir"]) if options["dir"] else None
        for kind in ("patrons", "loans", "holds"):
            path = options[kind] or (folder / f"{kind}.csv" if folder else None)
            if path is None:
                continue
            path = Path(path)
            if not path.exists():
                if options[kind]:
                    raise CommandError(_("File not found: %(path)s") % {"path": path})
                continue
            files[kind] = path.read_bytes()
        if not files:
            raise CommandError(_("Nothing to migrate: give --dir or --patrons/--loans/--holds."))
        started = time.monotonic()
        try:
            report = migrate(
                **files,
                dry_run=options["dry_run"],
                confirm_duplicates=options["confirm_duplicates"],
            )
        except RowRejected as exc:
            raise CommandError(exc.message) from None
        seconds = time.monotonic() - started
        for line in report.lines():
            self.stdout.write(line)
        if options["json"]:
            data = {**report.as_dict(), "seconds": round(seconds, 1)}
            Path(options["json"]).write_text(json.dumps(data, ensure_ascii=False, indent=1))
        verdict = _("dry run, nothing stored") if report.dry_run else _("stored")
        self.stdout.write(
            _("%(verdict)s in %(seconds).1f s; clean: %(clean)s")
            % {
                "verdict": verdict,
                "seconds": seconds,
                "clean": _("yes") if report.clean else _("no"),
            }
        )
