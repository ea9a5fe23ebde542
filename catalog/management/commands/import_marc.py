"""python manage.py import_marc FILE [--library CODE] [--dry-run]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importer import import_marc
from catalog.marc import detect_format
from libraries.models import Library


class Command(BaseCommand):
    help = "Import MARC21 records (ISO 2709 MARC-8/UTF-8 or MARCXML), matching before creating."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--library", help="every copy in the file belongs to this library")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        library = None
        if options["library"]:
            library = Library.objects.filter(code=options["library"].upper()).first()
            if library is None:
                raise CommandError(f"unknown library code: {options['library']}")
        data = path.read_bytes()
        estimate = _estimate(data)
        err = sys.stderr

        def progress(done: int) -> None:
            width = 30
            filled = min(width, width * done // max(estimate, 1))
            err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/~{estimate} records")
            err.flush()

        report = import_marc(
            data=data,
            library=library,
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        err.write("\n")
        for error in report.errors[:200]:
            err.write(f"record {error['record']}: {error['reason']}: {error['message']}\n")
        for code, count in report.unknown_libraries.items():
            err.write(f"unknown library/sigel {code!r}: {count} copies not added\n")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        self.stdout.write(
            ("DRY RUN, nothing written. " if report.dry_run else "") + report.summary()
        )
        if report.fatal:
            raise CommandError(report.fatal)
        if report.all_rejected:
            raise CommandError("every record of the file was rejected")


def _estimate(data: bytes) -> int:
    if detect_format(data) == "xml":
        return data.count(b"<record") or 1
    return data.count(b"\x1d") or 1
