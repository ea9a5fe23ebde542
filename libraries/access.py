"""Who may do what where: staff roles per library, and the working library of a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from libraries import policy
from libraries.models import Library, StaffRole
from libraries.policy import Action
from libraries.snapshots import VersionedSnapshot

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

    def may(self, action: Action, library: Library | int | None) -> bool:
        """The permission table's answer (``libraries.policy``); ``library`` None: anywhere."""
        pairs: set[tuple[int | None, str]] = set(self.roles)
        if self.is_consortium_admin:
            pairs.add((None, Role.CONSORTIUM_ADMIN))
        library_id = library.id if isinstance(library, Library) else library
        return policy.may(pairs, action, library_id)

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


# --- The roles, cached --------------------------------------------------------------------
#
# Every staff request needs the roles, and they change a few times a year. Each thread keeps
# the StaffAccess of the users it has served (``libraries.snapshots``), checked against a
# version key in Redis at most once a second: no Redis round trip and no SQL on most requests.
# Any write to StaffRole or Library invalidates (``libraries.apps`` connects the model signals
# to ``invalidate_access``: cache bookkeeping only): the writing thread sees the change at once
# (and keeps no copy until it commits), every other thread and process within a second of the
# commit, as for a deactivated user (``libraries.auth_backend``). A copy is also dropped after
# ACCESS_TTL seconds, so even a raw SQL edit is seen within minutes.

ACCESS_VERSION_KEY = "staff-access:version"
ACCESS_TTL = 300

_known: VersionedSnapshot[dict] = VersionedSnapshot(
    ACCESS_VERSION_KEY, lambda _day: {}, max_age=ACCESS_TTL
)


def cached_access(user) -> StaffAccess:
    """The staff member's roles from this thread's copy while current, else loaded (one
    query)."""
    if not user.is_authenticated:
        return load_access(user)
    known = _known.get(date.min)
    # The user's own facts are checked too: superuser status, and date_joined in case an id
    # is ever reused.
    stamp = (user.date_joined, user.is_superuser)
    entry = known.get(user.pk)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    access = load_access(user)
    known[user.pk] = (stamp, access)
    return access


def warm_access(*, user, **_signal_kwargs) -> None:
    """At login: load the roles now, so the staff member's first page costs no more."""
    cached_access(user)


def invalidate_access(**_signal_kwargs) -> None:
    _known.invalidate()


reset_access = _known.reset


def attach_staff(request: HttpRequest) -> StaffAccess:
    """Load the staff member's roles and working library onto the request (cached; at most
    one query)."""
    access = getattr(request, "staff_access", None)
    if access is None:
        access = cached_access(request.user)
        request.staff_access = access
        request.working_library = access.library(request.session.get(SESSION_KEY))
    return access


def staff_required(role: Action | str | None = None, *, needs_library: bool = True) -> Callable:
    """Decorator for staff pages: logged in, has a role, has chosen a working library.

    With an ``Action`` (``libraries.policy``), the permission table must allow it at the working
    library (anywhere, with ``needs_library=False``); with a role, the staff member must hold
    that role there.
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
            if isinstance(role, Action):
                if not access.may(role, request.working_library if needs_library else None):
                    raise PermissionDenied
            elif role and not access.has(role, request.working_library):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
