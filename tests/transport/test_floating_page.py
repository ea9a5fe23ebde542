"""Floating collections are declared and removed by a library admin on a staff page (own
library only), take effect at check-in at once, and are visible in Django admin next to links
and (read-only) transfers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog.models import ItemType
from circulation.services import Action, check_in
from libraries.models import StaffRole
from tests.conftest import make_staff, staff_client
from transport import services
from transport.models import FloatingRule, Transfer

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db

URL = "/staff/transport/floating/"


@pytest.fixture
def admin_khm(db):
    return make_staff("admin_khm", ("KHM", StaffRole.Role.LIBRARY_ADMIN))


def test_admin_declares_a_type_floating_and_check_in_keeps_the_item(
    client, network, libraries, admin_khm, monday_morning
):
    staff_client(client, admin_khm, "KHM")
    book = ItemType.objects.get(code="BOOK")
    response = client.post(URL, {"item_type": book.pk})
    assert response.status_code == 302
    rule = FloatingRule.objects.get()
    assert (rule.library.code, rule.item_type) == ("KHM", book)
    page = client.get(URL).content.decode()
    assert 'data-testid="floating-rule"' in page and book.name in page
    item = ItemFactory()  # a Karlskoga book
    stays = check_in(barcode=item.barcode, library=libraries["KHM"], staff=None, now=monday_morning)
    assert stays.action == Action.RESHELVE
    assert not Transfer.objects.filter(item=item).exists()

    client.post(f"{URL}{rule.pk}/remove/")
    assert not FloatingRule.objects.exists()
    other = ItemFactory()
    check_in(barcode=other.barcode, library=libraries["KHM"], staff=None, now=monday_morning)
    assert Transfer.objects.filter(item=other, to_library=libraries["KGA"]).exists()


def test_every_item_type_floats_and_a_second_declaration_is_refused(client, admin_khm):
    staff_client(client, admin_khm, "KHM")
    client.post(URL, {"item_type": ""})
    assert FloatingRule.objects.get().item_type is None
    page = client.post(URL, {"item_type": ""}, follow=True).content.decode()
    assert "Alla medietyper flyter redan vid det här biblioteket." in page
    assert FloatingRule.objects.count() == 1
    bad = client.post(URL, {"item_type": "999999"})
    assert bad.status_code == 200 and FloatingRule.objects.count() == 1


def test_an_admin_cannot_remove_another_librarys_rule(client, libraries, admin_khm):
    theirs = FloatingRule.objects.create(library=libraries["STO"], item_type=None)
    staff_client(client, admin_khm, "KHM")
    page = client.get(URL).content.decode()
    assert "Storfors" in page and f"{URL}{theirs.pk}/remove/" not in page
    response = client.post(f"{URL}{theirs.pk}/remove/", follow=True)
    assert "Biblioteket har ingen sådan regel för flytande bestånd." in response.content.decode()
    assert FloatingRule.objects.filter(pk=theirs.pk).exists()


def test_desk_staff_may_not_declare_floating(client, desk_staff_kristinehamn):
    staff_client(client, desk_staff_kristinehamn, "KHM")
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"item_type": ""}).status_code == 403
    assert not FloatingRule.objects.exists()


def test_django_admin_lists_links_floating_rules_and_read_only_transfers(
    client, network, libraries
):
    superuser = get_user_model().objects.create_superuser("root", password="test-pass-123")
    client.force_login(superuser)
    FloatingRule.objects.create(library=libraries["DEG"], item_type=None)
    transfer = services.start_transfer(
        item=ItemFactory(),
        from_library=libraries["KHM"],
        to_library=libraries["KGA"],
        reason=Transfer.Reason.RETURN_HOME,
        staff=None,
        now=at("2025-03-10 10:15"),
    )
    for model in ("transportlink", "floatingrule", "transfer"):
        assert client.get(f"/staff/admin/transport/{model}/").status_code == 200
    change = client.get(f"/staff/admin/transport/transfer/{transfer.pk}/change/")
    assert change.status_code == 200
    assert 'name="state"' not in change.content.decode()  # read-only
    assert client.get("/staff/admin/transport/transfer/add/").status_code == 403


def test_the_dashboard_links_the_page_for_admins_only(client, admin_khm, desk_staff_kristinehamn):
    staff_client(client, admin_khm, "KHM")
    assert URL in client.get("/staff/transport/").content.decode()
    staff_client(client, desk_staff_kristinehamn, "KHM")
    assert URL not in client.get("/staff/transport/").content.decode()
