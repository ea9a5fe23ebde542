"""The patrons app's reference data: the consortium's patron categories (DOMAIN.md).

``ensure_patron_categories`` takes the model class so the data migration can pass its
historical model; ``ensure_reference_data`` is what ``libraries.consortium.ensure_all`` calls.
"""

from __future__ import annotations

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


def ensure_reference_data() -> None:
    from patrons.models import PatronCategory

    ensure_patron_categories(PatronCategory)
