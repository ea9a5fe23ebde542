"""Copy cataloguing: a record found in another catalogue joins ours through the same
match-before-create as a MARC import (catalog.importer), never as a second copy of a title
we already have."""

from __future__ import annotations

import pymarc
from django.db import connection, transaction

from catalog import marc, services
from catalog.importer import _load_index, _stored_marc, item_field_map
from catalog.matching import Match, find_match, keys_for
from catalog.models import Record

# Copy cataloguing is a few records a day: one lock for all of it keeps two cataloguers who
# copy the same record at the same moment from creating it twice.
_LOCK = 734_201


def match(marc_record: pymarc.Record) -> Match | None:
    """The stored record this MARC would merge into, if any."""
    data = marc.extract(marc_record, item_field_map())
    keys = keys_for(
        control_number=data.control_number,
        control_source=data.control_source,
        system_numbers=data.system_numbers,
        isbns=data.isbns,
        title=data.title,
    )
    return find_match(keys, _load_index([keys]))


def bibliographic_only(marc_record: pymarc.Record) -> pymarc.Record:
    """The record without the source's holdings fields (their copies are not ours)."""
    return marc.from_iso2709(_stored_marc(marc.from_iso2709(marc.to_iso2709(marc_record))))


@transaction.atomic
def match_or_create(marc_record: pymarc.Record) -> tuple[Record, bool]:
    """(the record, created?): the matching record if we have one, else a new one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
    clean = bibliographic_only(marc_record)
    found = match(clean)
    if found is not None:
        return Record.objects.get(pk=found.record_key), False
    return services.create_record(marc_record=clean), True
