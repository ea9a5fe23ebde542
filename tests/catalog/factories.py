"""Catalogue test data: records are built as MARC and stored through the services."""

from __future__ import annotations

import itertools

import factory
import pymarc

from catalog import services
from catalog.models import Item, ItemType, Record
from libraries.models import Library

_numbers = itertools.count(1)


def marc_record(
    *,
    title: str,
    subtitle: str = "",
    author: str = "",
    contributors: tuple[str, ...] = (),
    isbn: str = "",
    year: int | None = 2020,
    language: str = "swe",
    audience_code: str = " ",
    leader: str = "00000cam a2200000 a 4500",
    subjects: tuple[str, ...] = (),
    series: str = "",
    summary: str = "",
    control_number: str | None = None,
) -> pymarc.Record:
    rec = pymarc.Record(leader=leader, force_utf8=True)
    rec.add_field(pymarc.Field(tag="001", data=control_number or f"T{next(_numbers):07d}"))
    rec.add_field(pymarc.Field(tag="003", data="TEST"))
    y = f"{year:04d}" if year else "    "
    f008 = f"200101s{y}    sw ||||{audience_code}     |00| 0|{language} d"
    rec.add_field(pymarc.Field(tag="008", data=f008))

    def df(tag, subs, ind=(" ", " ")):
        rec.add_field(
            pymarc.Field(
                tag=tag,
                indicators=pymarc.Indicators(*ind),
                subfields=[pymarc.Subfield(c, v) for c, v in subs if v],
            )
        )

    if isbn:
        df("020", [("a", isbn)])
    if author:
        df("100", [("a", author)], ("1", " "))
    df("245", [("a", title), ("b", subtitle)], ("1", "0"))
    if year:
        df("264", [("b", "Testförlaget"), ("c", str(year))], (" ", "1"))
    if series:
        df("490", [("a", series)], ("0", " "))
    if summary:
        df("520", [("a", summary)])
    for subject in subjects:
        df("650", [("a", subject)], (" ", "7"))
    for name in contributors:
        df("700", [("a", name)], ("1", " "))
    return rec


class RecordFactory(factory.Factory):
    class Meta:
        model = Record

    title = factory.Sequence(lambda n: f"Boken nummer {n}")
    author = "Lagerlöf, Selma"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.create_record(marc_record=marc_record(**kwargs))

    _build = _create


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    record = factory.SubFactory(RecordFactory)
    barcode = factory.Sequence(lambda n: f"1000{n:06d}")
    home_library = factory.LazyFunction(lambda: Library.objects.get(code="KGA"))
    current_library = factory.SelfAttribute("home_library")
    item_type = factory.LazyFunction(lambda: ItemType.objects.get(code="BOOK"))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        item = super()._create(model_class, *args, **kwargs)
        from catalog.indexing import refresh_library_ids

        refresh_library_ids([item.record_id])
        return item
