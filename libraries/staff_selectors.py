"""Reads for the staff accounts page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from libraries.access import StaffAccess
from libraries.models import StaffAuditEntry, StaffRole


def _visible(access: StaffAccess, managed: frozenset[int]) -> QuerySet:
    users = get_user_model().objects.prefetch_related(
        Prefetch(
            "staff_roles",
            queryset=StaffRole.objects.select_related("library").order_by("library__name", "role"),
        )
    )
    if access.is_consortium_admin:
        return users
    return users.filter(staff_roles__library_id__in=managed).distinct()


def staff_users(*, access: StaffAccess, managed: frozenset[int]) -> list:
    """The staff accounts this admin manages, with their roles (two queries)."""
    return list(_visible(access, managed).order_by("username"))


def staff_user(*, access: StaffAccess, managed: frozenset[int], user_id: int):
    """One account the admin may see, or None."""
    return _visible(access, managed).filter(pk=user_id).first()


def audit_trail(*, user, limit: int = 50) -> list[StaffAuditEntry]:
    return list(
        StaffAuditEntry.objects.filter(user=user).select_related("actor", "library")[:limit]
    )
