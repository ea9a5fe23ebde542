"""Who may do what where: staff roles per library, and the working library of a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from libraries.models import Library, StaffRole

Role = StaffRole.Role
SESSION_KEY = "working_library_id"

# A library admin may also do desk and cataloguing work at their library.
IMPLIED = {
    Role.DESK: {Role.DESK},
    Role.CATALOGUER: {Role.CATALOGUER},
    Role.LIBRARY_ADMIN: {Role.LIBRARY_ADMIN, Role.DESK, Role.CATALOGUER},
}


@dataclass(frozen=True)
class StaffAccess:
    """A staff member's roles, loaded in one query."""

    roles: frozenset[tuple[int, str]]  # (library_id, role)
    libraries: tuple[Library, ...]  # where the staff member may work, by name
    is_consortium_admin: bool

    def has(self, role: str, library: Library | int | None) -> bool:
        if self.is_consortium_admin:
            return True
        if library is None:
            return False
        library_id = library if isinstance(library, int) else library.id
        return (library_id, role) in self.roles

    def library(self, library_id: int | None) -> Library | None:
        return next((lib for lib in self.libraries if lib.id == library_id), None)

    @property
    def is_staff(self) -> bool:
        return self.is_consortium_admin or bool(self.roles)


def load_access(user) -> StaffAccess:
    if not user.is_authenticated:
        return StaffAccess(frozenset(), (), False)
    rows = list(StaffRole.objects.filter(user=user).select_related("library"))
    consortium_admin = user.is_superuser or any(r.role == Role.CONSORTIUM_ADMIN for r in rows)
    roles: set[tuple[int, str]] = set()
    libraries: dict[int, Library] = {}
    for row in rows:
        if row.library is None:
            continue
        libraries[row.library.id] = row.library
        for implied in IMPLIED.get(row.role, {row.role}):
            roles.add((row.library.id, implied))
    if consortium_admin:
        libraries = {lib.id: lib for lib in Library.objects.all()}
    ordered = tuple(sorted(libraries.values(), key=lambda lib: lib.name))
    return StaffAccess(frozenset(roles), ordered, consortium_admin)


def attach_staff(request: HttpRequest) -> StaffAccess:
    """Load the staff member's roles and working library onto the request (one query)."""
    access = getattr(request, "staff_access", None)
    if access is None:
        access = load_access(request.user)
        request.staff_access = access
        request.working_library = access.library(request.session.get(SESSION_KEY))
    return access


def staff_required(role: str | None = None, *, needs_library: bool = True) -> Callable:
    """Decorator for staff pages: logged in, has a role, has chosen a working library.

    With ``role``, the staff member must hold that role at the working library.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = attach_staff(request)
            if not access.is_staff:
                raise PermissionDenied
            if needs_library and request.working_library is None:
                return redirect(f"/staff/library/?next={request.get_full_path()}")
            if role and not access.has(role, request.working_library):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
