"""API permissions from the one permission table (``libraries.policy``).

An API call names the library it is made at: ``working_library=CODE`` (query string or JSON
body; the circulation calls also take ``library``). Without one, the staff session's working
library counts; with neither the answer is 400 (only the staff-wide reads need no library), so
the access log always says where a read happened.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission

from libraries.access import attach_staff
from libraries.models import Library
from libraries.policy import Action

LIBRARY_PARAMS = ("working_library",)


class IsStaff(BasePermission):
    """API access for staff only: a logged-in user (session or token) with a staff role."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return attach_staff(request._request).is_staff


def _named_code(request, params: tuple[str, ...]) -> str:
    for name in params:
        value = request.query_params.get(name)
        if not value and request.method not in SAFE_METHODS:
            data = request.data
            value = data.get(name) if hasattr(data, "get") else None
        if value:
            return str(value).strip().upper()
    return ""


def library_concerned(request, action: Action, params: tuple[str, ...] = LIBRARY_PARAMS):
    """The library the call is made at, checked against the table; sets it as the request's
    working library. Raises PermissionDenied (403) or ValidationError (400)."""
    django_request = request._request
    access = attach_staff(django_request)
    code = _named_code(request, params)
    if code:
        library = next((lib for lib in access.libraries if lib.code == code), None)
        library = library or Library.objects.filter(code=code[:8]).first()
        if library is None:
            raise ValidationError({"working_library": [_("Unknown library code.")]})
    else:
        library = getattr(django_request, "working_library", None)
        if library is None and action != Action.STAFF_AREA:
            raise ValidationError(
                {"working_library": [_("Name the library you work at (working_library).")]}
            )
    if not access.may(action, library):
        raise PermissionDenied(_("Your roles do not allow this at this library."))
    if library is not None:
        django_request.working_library = library
    return library


def requires(
    action: Action, *, write: Action | None = None, params: tuple[str, ...] = LIBRARY_PARAMS
) -> type[BasePermission]:
    """A DRF permission class: staff who may do ``action`` (``write`` for unsafe methods) at
    the library concerned."""

    class Requires(BasePermission):
        def has_permission(self, request, view) -> bool:
            if not request.user or not request.user.is_authenticated:
                return False
            if not attach_staff(request._request).is_staff:
                return False
            needed = action if request.method in SAFE_METHODS or write is None else write
            library_concerned(request, needed, params)
            return True

    Requires.__name__ = f"Requires_{action.value}"
    Requires.action = action
    Requires.write_action = write or action
    return Requires
