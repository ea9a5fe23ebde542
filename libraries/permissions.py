from rest_framework.permissions import BasePermission

from libraries.access import attach_staff


class IsStaff(BasePermission):
    """API access for staff only: a logged-in user (session or token) with a staff role."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return attach_staff(request._request).is_staff
