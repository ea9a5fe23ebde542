"""The consortium's fixed facts (DOMAIN.md), written by a data migration and by test fixtures.

Functions take the model classes so a migration can pass its historical models.
"""

from __future__ import annotations

MON_FRI = [0, 1, 2, 3, 4]
MON_SAT = [0, 1, 2, 3, 4, 5]

# code, name, kind, municipality, county, province, population, open weekdays
LIBRARIES = [
    ("DEG", "Degerfors bibliotek", "library", "Degerfors", "Örebro län", "Värmland", 9300, MON_FRI),
    (
        "HFS",
        "Hällefors bibliotek",
        "library",
        "Hällefors",
        "Örebro län",
        "Västmanland",
        6800,
        MON_FRI,
    ),
    (
        "KGA",
        "Karlskoga bibliotek",
        "library",
        "Karlskoga",
        "Örebro län",
        "Värmland",
        30500,
        MON_SAT,
    ),
    (
        "KHM",
        "Kristinehamns bibliotek",
        "library",
        "Kristinehamn",
        "Värmlands län",
        "Värmland",
        24300,
        MON_SAT,
    ),
    (
        "STO",
        "Storfors bibliotek",
        "library",
        "Storfors",
        "Värmlands län",
        "Värmland",
        4000,
        MON_FRI,
    ),
    # The book bus Kristinehamn and Degerfors share: a service point where loans and returns happen.
    (
        "BUS",
        "Bokbussen Kristinehamn–Degerfors",
        "bookbus",
        "Kristinehamn",
        "Värmlands län",
        "Värmland",
        None,
        [1, 3],
    ),
]

ITEM_TYPES = [
    # code, Swedish, English, reference only
    ("BOOK", "Bok", "Book", False),
    ("AUDIOBOOK", "Ljudbok", "Audiobook", False),
    ("DVD", "Film (DVD/Blu-ray)", "Film (DVD/Blu-ray)", False),
    ("MUSIC", "Musik-cd", "Music CD", False),
    ("PERIODICAL", "Tidskrift", "Periodical", False),
    ("LANGCOURSE", "Språkkurs", "Language course", False),
    ("GAME", "Spel", "Board game", False),
    ("KIT", "Kit/paket", "Kit", False),
    ("REFERENCE", "Referensexemplar", "Reference copy", True),
]

PATRON_CATEGORIES = [
    # code, Swedish, English, min age, max age, needs guardian, institution
    ("ADULT", "Vuxen", "Adult", 18, None, False, False),
    ("YOUTH", "Ungdom", "Youth", 13, 17, False, False),
    ("CHILD", "Barn", "Child", 0, 12, True, False),
    ("SENIOR", "Pensionär", "Senior", 65, None, False, False),
    ("STAFF", "Personal", "Staff", 16, None, False, False),
    ("INST", "Institution/skola", "Institution/school", None, None, False, True),
    ("ILL", "Annat bibliotek", "Other library", None, None, False, True),
]


def ensure_libraries(Library, ConsortiumSettings) -> None:
    for code, name, kind, municipality, county, province, population, days in LIBRARIES:
        if not Library.objects.filter(code=code).exists():
            Library.objects.create(
                code=code,
                name=name,
                kind=kind,
                municipality=municipality,
                county=county,
                province=province,
                population=population,
                open_weekdays=days,
            )
    ConsortiumSettings.objects.get_or_create(id=1)


def ensure_item_types(ItemType) -> None:
    for code, sv, en, not_for_loan in ITEM_TYPES:
        ItemType.objects.get_or_create(
            code=code, defaults={"name_sv": sv, "name_en": en, "not_for_loan": not_for_loan}
        )


def ensure_patron_categories(PatronCategory) -> None:
    for code, sv, en, lo, hi, guardian, inst in PATRON_CATEGORIES:
        PatronCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_sv": sv,
                "name_en": en,
                "min_age": lo,
                "max_age": hi,
                "needs_guardian": guardian,
                "is_institution": inst,
            },
        )


def ensure_all() -> None:
    """Create whatever of the consortium's fixed data is missing (idempotent)."""
    from catalog.models import ItemType
    from libraries.models import ConsortiumSettings, Library
    from patrons.models import PatronCategory

    ensure_libraries(Library, ConsortiumSettings)
    ensure_item_types(ItemType)
    ensure_patron_categories(PatronCategory)
