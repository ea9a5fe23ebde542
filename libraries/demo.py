"""Demo contact details for ``seed_demo``: what receipts print (fictional addresses)."""

from __future__ import annotations

from libraries.models import Library

HOURS = {
    "MON_FRI": "Mån–tor 10–18\nFre 10–16",
    "MON_SAT": "Mån–tor 10–19\nFre 10–17\nLör 10–14",
}


def set_demo_contact_details(*, stdout=None) -> int:
    """Fill in address and opening hours where a library has none; returns how many changed."""
    changed = 0
    for library in Library.objects.filter(address=""):
        library.address = f"Biblioteksgatan 1\n{library.municipality}"
        library.opening_hours = HOURS["MON_SAT" if 5 in library.open_weekdays else "MON_FRI"]
        library.save(update_fields=["address", "opening_hours"])
        changed += 1
    return changed
