"""Floating collections: a library declares that items of a type (or of every type) returned
there stay there instead of going home. Library admins declare and remove their own library's
rules; check-in and the nightly reconcile read them (through the network snapshot, which the
FloatingRule signals refresh)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from catalog.models import ItemType
from libraries.models import Library
from transport.models import FloatingRule


class FloatingRefused(Exception):
    def __init__(self, reason: str, message) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message


def floating_rules() -> list[FloatingRule]:
    """Every library's floating rules, by library and item type ("all" first). One query."""
    return list(
        FloatingRule.objects.select_related("library", "item_type").order_by(
            "library__name", F("item_type__code").asc(nulls_first=True)
        )
    )


@transaction.atomic
def declare_floating(*, library: Library, item_type: ItemType | None) -> FloatingRule:
    """Items of ``item_type`` (None: every type) returned at ``library`` stay there."""
    try:
        with transaction.atomic():
            return FloatingRule.objects.create(library=library, item_type=item_type)
    except IntegrityError:
        if item_type is None:
            message = _("Every item type already floats at this library.")
        else:
            message = _("%(type)s already floats at this library.") % {"type": item_type.name}
        raise FloatingRefused("already_floating", message) from None


@transaction.atomic
def stop_floating(*, rule_id: int, library: Library) -> None:
    """Remove one of ``library``'s floating rules: its items go home again when returned."""
    rule = FloatingRule.objects.select_for_update().filter(pk=rule_id, library=library).first()
    if rule is None:
        raise FloatingRefused("no_such_rule", _("This library has no such floating rule."))
    rule.delete()
