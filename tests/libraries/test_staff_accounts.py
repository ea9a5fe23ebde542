"""The staff accounts page: who may create accounts and give roles where, deactivation, audit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from libraries.access import load_access
from libraries.models import Library, StaffAuditEntry, StaffRole
from libraries.staff_accounts import RoleFact, managed_library_ids, may_manage_account
from tests.conftest import DEMO_PASSWORD, make_staff, staff_client

pytestmark = pytest.mark.django_db
Role = StaffRole.Role
User = get_user_model()
NEW = {
    "username": "ny-sto",
    "first_name": "Nora",
    "last_name": "Nyberg",
    "email": "nora@example.se",
    "password": "Bibliotek-2026!",
    "role": Role.DESK,
}


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


@pytest.fixture
def sto_admin(client, admin_storfors):
    return staff_client(client, admin_storfors, "STO")


@pytest.fixture
def kga_desk_user(db):
    return make_staff("desk_kga2", ("KGA", Role.DESK))


@pytest.mark.parametrize(
    ("who", "status"),
    [("desk_staff_karlskoga", 403), ("admin_storfors", 200), ("consortium_admin", 200)],
)
def test_only_admins_reach_the_staff_pages(client, request, who, status):
    user = request.getfixturevalue(who)
    code = {"desk_staff_karlskoga": "KGA"}.get(who, "STO")
    staff_client(client, user, code)
    for url in ("/staff/users/", "/staff/users/new/", f"/staff/users/{user.pk}/"):
        assert client.get(url).status_code in ({status} if status == 403 else {200, 404})


def test_a_library_admin_creates_desk_staff_at_their_library(sto_admin, admin_storfors):
    response = sto_admin.post("/staff/users/new/", {**NEW, "library": lib("STO").pk})
    user = User.objects.get(username="ny-sto")
    assert response.status_code == 302 and response["Location"] == f"/staff/users/{user.pk}/"
    assert user.check_password(NEW["password"]) and user.is_active
    assert list(user.staff_roles.values_list("library__code", "role")) == [("STO", Role.DESK)]
    trail = list(StaffAuditEntry.objects.filter(user=user).values_list("actor__username", "action"))
    assert sorted(trail) == [("admin_sto", "created"), ("admin_sto", "role_granted")]


def test_a_library_admin_cannot_give_roles_at_another_library(sto_admin):
    response = sto_admin.post("/staff/users/new/", {**NEW, "library": lib("KGA").pk})
    assert response.status_code == 400
    assert not User.objects.filter(username="ny-sto").exists()


def test_a_library_admin_cannot_make_a_consortium_admin(sto_admin):
    response = sto_admin.post("/staff/users/new/", {**NEW, "role": Role.CONSORTIUM_ADMIN})
    assert response.status_code == 400
    assert not User.objects.filter(username="ny-sto").exists()


def test_a_weak_password_or_taken_username_is_a_form_error_in_swedish(sto_admin, admin_storfors):
    response = sto_admin.post(
        "/staff/users/new/", {**NEW, "password": "1234", "library": lib("STO").pk}
    )
    assert response.status_code == 400 and "lösenord" in response.content.decode().lower()
    response = sto_admin.post(
        "/staff/users/new/", {**NEW, "username": "ADMIN_STO", "library": lib("STO").pk}
    )
    assert response.status_code == 400 and "upptaget" in response.content.decode()


def test_the_list_shows_only_staff_at_the_admins_libraries(sto_admin, kga_desk_user, pool_staff):
    page = sto_admin.get("/staff/users/").content.decode()
    assert "pool" in page and "admin_sto" in page
    assert "desk_kga2" not in page
    assert sto_admin.get(f"/staff/users/{kga_desk_user.pk}/").status_code == 404


def test_the_list_costs_a_fixed_number_of_queries(
    sto_admin, pool_staff, django_assert_max_num_queries
):
    for n in range(5):
        make_staff(f"sto{n}", ("STO", Role.DESK), ("DEG", Role.DESK))
    sto_admin.get("/staff/users/")  # warm the role cache
    with django_assert_max_num_queries(4):
        sto_admin.get("/staff/users/")


def test_grant_and_revoke_roles_are_audited(sto_admin, kga_desk_user):
    user = make_staff("grant_me", ("STO", Role.DESK))
    url = f"/staff/users/{user.pk}/"
    sto_admin.post(url, {"action": "grant", "library": lib("STO").pk, "role": Role.CATALOGUER})
    assert set(user.staff_roles.values_list("role", flat=True)) == {Role.DESK, Role.CATALOGUER}
    role = user.staff_roles.get(role=Role.DESK)
    sto_admin.post(url, {"action": "revoke", "role": role.pk})
    assert list(user.staff_roles.values_list("role", flat=True)) == [Role.CATALOGUER]
    actions = list(StaffAuditEntry.objects.filter(user=user).values_list("action", "role"))
    assert sorted(actions) == [("role_granted", "cataloguer"), ("role_revoked", "desk")]


def test_a_library_admin_cannot_remove_roles_elsewhere_or_their_own_admin_role(
    sto_admin, admin_storfors, pool_staff
):
    deg_role = pool_staff.staff_roles.get(library__code="DEG")
    response = sto_admin.post(
        f"/staff/users/{pool_staff.pk}/", {"action": "revoke", "role": deg_role.pk}
    )
    assert response.status_code == 400 and StaffRole.objects.filter(pk=deg_role.pk).exists()
    own = admin_storfors.staff_roles.get()
    response = sto_admin.post(
        f"/staff/users/{admin_storfors.pk}/", {"action": "revoke", "role": own.pk}
    )
    assert response.status_code == 400 and StaffRole.objects.filter(pk=own.pk).exists()


def test_deactivation_locks_the_account_out_and_is_audited(client, sto_admin):
    user = make_staff("leaving", ("STO", Role.DESK))
    response = sto_admin.post(f"/staff/users/{user.pk}/", {"action": "deactivate"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert StaffAuditEntry.objects.filter(user=user, action="deactivated").count() == 1
    other = client.__class__()
    other.post("/staff/login/", {"username": "leaving", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in other.session


def test_a_library_admin_cannot_deactivate_shared_staff(sto_admin, pool_staff):
    response = sto_admin.post(f"/staff/users/{pool_staff.pk}/", {"action": "deactivate"})
    assert response.status_code == 400
    pool_staff.refresh_from_db()
    assert pool_staff.is_active


def test_the_consortium_admin_manages_every_library(client, consortium_admin, pool_staff):
    admin = staff_client(client, consortium_admin, "KGA")
    response = admin.post(f"/staff/users/{pool_staff.pk}/", {"action": "deactivate"})
    assert response.status_code == 302
    response = admin.post(
        "/staff/users/new/", {**NEW, "username": "ca2", "role": Role.CONSORTIUM_ADMIN}
    )
    assert response.status_code == 302
    assert load_access(User.objects.get(username="ca2")).is_consortium_admin


def test_unknown_action_is_a_400_not_a_500(sto_admin, admin_storfors):
    response = sto_admin.post(f"/staff/users/{admin_storfors.pk}/", {"action": "explode"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("roles", "superuser", "expected"),
    [
        ([RoleFact(1, "desk")], False, True),
        ([RoleFact(1, "desk"), RoleFact(2, "desk")], False, False),
        ([RoleFact(None, "consortium_admin")], False, False),
        ([], False, False),
        ([RoleFact(1, "desk")], True, False),
    ],
)
def test_who_a_library_admin_may_deactivate(admin_storfors, roles, superuser, expected):
    access = load_access(admin_storfors)
    sto = lib("STO").id
    managed = managed_library_ids(access, Library.objects.values_list("id", flat=True))
    assert managed == {sto}
    roles = [RoleFact(sto if r.library_id == 1 else r.library_id, r.role) for r in roles]
    assert may_manage_account(access, managed, roles, superuser=superuser) is expected
