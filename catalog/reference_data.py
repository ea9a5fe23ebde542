"""The catalog's reference data: the consortium's item types (DOMAIN.md).

``ensure_item_types`` takes the model class so the data migration can pass its historical
model; ``ensure_reference_data`` is what ``libraries.consortium.ensure_all`` calls.
"""

from __future__ import annotations

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


def ensure_item_types(ItemType) -> None:
    for code, sv, en, not_for_loan in ITEM_TYPES:
        ItemType.objects.get_or_create(
            code=code, defaults={"name_sv": sv, "name_en": en, "not_for_loan": not_for_loan}
        )


def ensure_reference_data() -> None:
    from catalog.models import ItemType

    ensure_item_types(ItemType)
