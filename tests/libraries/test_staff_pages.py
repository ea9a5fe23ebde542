import pytest

from libraries.models import Library
from tests.conftest import DEMO_PASSWORD, staff_client

pytestmark = pytest.mark.django_db


def test_staff_pages_need_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_staff_chooses_among_libraries_with_a_role(client, pool_staff):
    client.post("/staff/login/", {"username": "pool", "password": DEMO_PASSWORD})
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/library/")
    page = client.get("/staff/library/").content.decode()
    assert "Degerfors bibliotek" in page and "Storfors bibliotek" in page
    assert "Karlskoga bibliotek" not in page


def test_working_library_shows_on_staff_pages(client, pool_staff):
    client.force_login(pool_staff)
    sto = Library.objects.get(code="STO")
    response = client.post("/staff/library/", {"library": sto.id, "next": "/staff/"})
    assert response.status_code == 302
    page = client.get("/staff/").content.decode()
    assert 'data-testid="working-library"' in page and "Storfors bibliotek" in page


def test_staff_cannot_choose_a_library_without_a_role(client, pool_staff):
    client.force_login(pool_staff)
    kga = Library.objects.get(code="KGA")
    client.post("/staff/library/", {"library": kga.id})
    assert "working_library_id" not in client.session


def test_choose_library_refuses_an_open_redirect(client, pool_staff):
    client.force_login(pool_staff)
    deg = Library.objects.get(code="DEG")
    response = client.post("/staff/library/", {"library": deg.id, "next": "https://evil.example/"})
    assert response["Location"] == "/staff/"


def test_consortium_admin_may_work_anywhere(client, consortium_admin):
    staff_client(client, consortium_admin, "HFS")
    assert "Hällefors bibliotek" in client.get("/staff/").content.decode()


def test_a_user_without_roles_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password=DEMO_PASSWORD)
    client.force_login(user)
    assert client.get("/staff/library/").status_code == 403


def test_staff_with_one_library_work_there_without_being_asked(client, desk_staff_karlskoga):
    client.post("/staff/login/", {"username": "desk_kga", "password": DEMO_PASSWORD})
    response = client.get("/staff/library/?next=/staff/circulation/checkin/")
    assert response["Location"] == "/staff/circulation/checkin/"
    assert client.session["working_library_id"] == Library.objects.get(code="KGA").id


def test_the_consortium_admin_still_picks_a_library(client, consortium_admin):
    client.force_login(consortium_admin)
    assert client.get("/staff/library/").status_code == 200


def test_a_library_admin_without_the_desk_role_reaches_the_desk_pages_the_table_grants(client):
    """Pages ask the one permission table for an action, not for a role by name: a library
    admin holds every desk action (libraries.policy) without also needing the desk role."""
    from tests.conftest import make_staff

    admin = make_staff("admin_only_kga", ("KGA", "library_admin"))
    staff_client(client, admin, "KGA")
    for url in ("/staff/circulation/items/?q=titel", "/staff/notices/letters/", "/staff/users/"):
        assert client.get(url).status_code == 200, url
    cataloguer = make_staff("cat_only_kga", ("KGA", "cataloguer"))
    staff_client(client, cataloguer, "KGA")
    for url in ("/staff/circulation/items/?q=titel", "/staff/notices/letters/", "/staff/users/"):
        assert client.get(url).status_code == 403, url
