"""Staff accounts and roles: a page for library admins (their libraries) and the consortium
admin (everything). Every change is audited (libraries.staff_accounts)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from libraries import staff_accounts, staff_selectors
from libraries.access import staff_required
from libraries.models import Library, StaffRole
from libraries.policy import Action
from libraries.staff_accounts import StaffChangeRefused
from libraries.staff_forms import NewStaffForm, RoleForm

Role = StaffRole.Role


def _scope(request: HttpRequest):
    access = request.staff_access
    libraries = list(Library.objects.order_by("name"))
    managed = staff_accounts.managed_library_ids(access, [lib.id for lib in libraries])
    return access, managed, Library.objects.filter(id__in=managed).order_by("name")


@staff_required(Action.LIBRARY_ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    """The staff accounts this admin manages, with their roles."""
    access, managed, _libraries = _scope(request)
    users = staff_selectors.staff_users(access=access, managed=managed)
    return render(request, "libraries/staff_list.html", {"users": users})


@staff_required(Action.LIBRARY_ADMIN)
def staff_new(request: HttpRequest) -> HttpResponse:
    """Create a staff account with its first role."""
    access, _managed, libraries = _scope(request)
    roles = staff_accounts.grantable_roles(access)
    form = NewStaffForm(
        request.POST or None,
        libraries=libraries,
        roles=roles,
        initial={"library": request.working_library, "role": Role.DESK},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_accounts.create_staff_user(
                actor=request.user,
                access=access,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                library=data["library"],
                role=data["role"],
                now=timezone.now(),
            )
        except StaffChangeRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(request, _("The account %(name)s was created.") % {"name": user})
            return redirect("staff-user", user.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "libraries/staff_new.html", {"form": form}, status=status)


@staff_required(Action.LIBRARY_ADMIN)
def staff_user(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: its roles (grant, remove), active or not, and its audit trail."""
    access, managed, libraries = _scope(request)
    user = staff_selectors.staff_user(access=access, managed=managed, user_id=user_id)
    if user is None:
        raise Http404
    roles = staff_accounts.grantable_roles(access)
    form = RoleForm(libraries=libraries, roles=roles, initial={"library": request.working_library})
    error = None
    if request.method == "POST":
        action, now = request.POST.get("action"), timezone.now()
        try:
            if action == "grant":
                form = RoleForm(request.POST, libraries=libraries, roles=roles)
                if form.is_valid():
                    staff_accounts.grant_role(
                        actor=request.user,
                        access=access,
                        user=user,
                        library=form.cleaned_data["library"],
                        role=form.cleaned_data["role"],
                        now=now,
                    )
                    messages.success(request, _("The role was given."))
                    return redirect("staff-user", user.pk)
            elif action == "revoke":
                role_id = _int(request.POST.get("role"))
                staff_accounts.revoke_role(
                    actor=request.user, access=access, user=user, role_id=role_id, now=now
                )
                messages.success(request, _("The role was removed."))
                return redirect("staff-user", user.pk)
            elif action in ("deactivate", "reactivate"):
                staff_accounts.set_active(
                    actor=request.user,
                    access=access,
                    user=user,
                    active=action == "reactivate",
                    now=now,
                )
                messages.success(request, _("The account was saved."))
                return redirect("staff-user", user.pk)
            else:
                error = _("Unknown action.")
        except StaffChangeRefused as refused:
            error = str(refused.message)
    context = {
        "account": user,
        "form": form,
        "error": error,
        "may_manage": staff_accounts.may_manage_account(
            access,
            managed,
            [staff_accounts.RoleFact(r.library_id, r.role) for r in user.staff_roles.all()],
            superuser=user.is_superuser,
        ),
        "managed": managed,
        "is_consortium_admin": access.is_consortium_admin,
        "audit": staff_selectors.audit_trail(user=user),
    }
    invalid = request.method == "POST"
    return render(request, "libraries/staff_user.html", context, status=400 if invalid else 200)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
