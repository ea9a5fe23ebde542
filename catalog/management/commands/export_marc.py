"""python manage.py export_marc [--format marc|marcxml] [--output FILE] [--library CODE]"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from catalog import marc
from catalog.export import iter_records
from catalog.models import Record
from libraries.models import Library


class Command(BaseCommand):
    help = "Export the catalogue as ISO 2709 (UTF-8) or MARCXML, holdings as 852 fields."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["marc", "marcxml"], default="marc")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--library", help="only records with a copy owned by this library")

    def handle(self, *args, **options):
        queryset = Record.objects.all()
        if options["library"]:
            library = Library.objects.filter(code=options["library"].upper()).first()
            if library is None:
                raise CommandError(f"unknown library code: {options['library']}")
            queryset = queryset.filter(library_ids__contains=[library.id])
        out = open(options["output"], "wb") if options["output"] else sys.stdout.buffer  # noqa: SIM115
        count = 0
        try:
            if options["format"] == "marcxml":
                out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
                out.write(b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n')
                for record in iter_records(queryset):
                    out.write(pymarc_record_xml(record))
                    count += 1
                out.write(b"</collection>\n")
            else:
                for record in iter_records(queryset):
                    out.write(marc.to_iso2709(record))
                    count += 1
        finally:
            if options["output"]:
                out.close()
        self.stderr.write(f"{count} records exported")


def pymarc_record_xml(record) -> bytes:
    import xml.etree.ElementTree as ET

    import pymarc

    element = pymarc.record_to_xml_node(record, namespace=True)
    return ET.tostring(element, encoding="utf-8", xml_declaration=False) + b"\n"
