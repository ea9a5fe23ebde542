"""Staff accounts and their roles: who may manage whom (pure), and the audited writes.

A library admin manages the roles at the libraries they administer; the consortium admin
manages every library and the consortium admin role itself. Every change is written to
``StaffAuditEntry`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from libraries.access import StaffAccess
from libraries.models import Library, StaffAuditEntry, StaffRole

Role = StaffRole.Role
Action = StaffAuditEntry.Action
LIBRARY_ROLES = (Role.DESK, Role.CATALOGUER, Role.LIBRARY_ADMIN)


class StaffChangeRefused(Exception):
    def __init__(self, reason: str, message):
        self.reason, self.message = reason, message
        super().__init__(f"{reason}: {message}")


# --- Who may manage what (pure: plain values in) ------------------------------------------


def managed_library_ids(access: StaffAccess, all_library_ids: Iterable[int]) -> frozenset[int]:
    """The libraries whose roles this staff member manages."""
    return frozenset(i for i in all_library_ids if access.has(Role.LIBRARY_ADMIN, i))


def grantable_roles(access: StaffAccess) -> tuple[str, ...]:
    if access.is_consortium_admin:
        return (*LIBRARY_ROLES, Role.CONSORTIUM_ADMIN)
    return LIBRARY_ROLES


@dataclass(frozen=True)
class RoleFact:
    library_id: int | None
    role: str


def may_manage_account(
    access: StaffAccess, managed: frozenset[int], roles: Iterable[RoleFact], *, superuser: bool
) -> bool:
    """Deactivate or reactivate: the consortium admin anyone; a library admin only staff whose
    every role is at a library they manage (not consortium admins, not staff shared with a
    library they do not manage)."""
    if access.is_consortium_admin:
        return True
    roles = list(roles)
    return (
        not superuser
        and bool(roles)
        and all(r.library_id is not None and r.library_id in managed for r in roles)
    )


# --- Writes --------------------------------------------------------------------------------


def _audit(*, actor, user, action: str, now: datetime, library=None, role: str = "") -> None:
    StaffAuditEntry.objects.create(
        at=now, actor=actor, user=user, action=action, library=library, role=role
    )


def _check_grant(access: StaffAccess, library: Library | None, role: str) -> None:
    if role not in grantable_roles(access):
        raise StaffChangeRefused("role_not_allowed", _("You may not give that role."))
    if role == Role.CONSORTIUM_ADMIN:
        if library is not None:
            raise StaffChangeRefused(
                "consortium_role_has_no_library", _("The consortium admin role has no library.")
            )
        return
    if library is None:
        raise StaffChangeRefused("library_needed", _("Choose the library the role is at."))
    if not access.has(Role.LIBRARY_ADMIN, library):
        raise StaffChangeRefused(
            "not_your_library", _("You manage roles only at the libraries you administer.")
        )


@transaction.atomic
def create_staff_user(
    *,
    actor,
    access: StaffAccess,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    library: Library | None,
    role: str,
    now: datetime,
):
    """A new staff account with its first role (so it is never outside every admin's reach)."""
    _check_grant(access, library, role)
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    StaffRole.objects.create(user=user, library=library, role=role)
    _audit(actor=actor, user=user, action=Action.CREATED, now=now)
    _audit(actor=actor, user=user, action=Action.ROLE_GRANTED, now=now, library=library, role=role)
    return user


@transaction.atomic
def grant_role(
    *, actor, access: StaffAccess, user, library: Library | None, role: str, now: datetime
) -> StaffRole:
    _check_grant(access, library, role)
    staff_role, created = StaffRole.objects.get_or_create(user=user, library=library, role=role)
    if created:
        _audit(
            actor=actor, user=user, action=Action.ROLE_GRANTED, now=now, library=library, role=role
        )
    return staff_role


@transaction.atomic
def revoke_role(*, actor, access: StaffAccess, user, role_id: int, now: datetime) -> None:
    staff_role = StaffRole.objects.select_for_update().filter(user=user, pk=role_id).first()
    if staff_role is None:
        return  # already gone: nothing to do
    _check_grant(access, staff_role.library, staff_role.role)
    if user.pk == actor.pk and staff_role.role in (Role.LIBRARY_ADMIN, Role.CONSORTIUM_ADMIN):
        raise StaffChangeRefused(
            "own_admin_role", _("You cannot remove your own admin role; ask another admin.")
        )
    library, role = staff_role.library, staff_role.role
    staff_role.delete()
    _audit(actor=actor, user=user, action=Action.ROLE_REVOKED, now=now, library=library, role=role)


@transaction.atomic
def set_active(*, actor, access: StaffAccess, user, active: bool, now: datetime) -> None:
    """Deactivate (the account can no longer log in; open sessions end at the next request) or
    reactivate a staff account."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise StaffChangeRefused("self", _("You cannot deactivate your own account."))
    managed = managed_library_ids(access, Library.objects.values_list("id", flat=True))
    facts = [RoleFact(r.library_id, r.role) for r in user.staff_roles.all()]
    if not may_manage_account(access, managed, facts, superuser=user.is_superuser):
        raise StaffChangeRefused(
            "not_your_staff",
            _("This account also works at libraries you do not manage; ask the consortium admin."),
        )
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(
        actor=actor,
        user=user,
        action=Action.REACTIVATED if active else Action.DEACTIVATED,
        now=now,
    )
