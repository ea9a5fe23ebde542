"""Browser (issue 14, item 6): unpacking a crate at the hub, every scan adds to a running list
with counts; the scan field keeps focus; a bad scan is refused in the list and signalled."""

import pytest
from django.utils import timezone

from libraries.models import Library
from tests.browser.test_transport_journey import log_in
from tests.transport.factories import ItemFactory
from transport import services
from transport.demo import create_demo_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receiving_a_crate_keeps_a_running_list_with_counts(page, pool_staff):
    create_demo_network()
    khm, kga = Library.objects.get(code="KHM"), Library.objects.get(code="KGA")
    now = timezone.now()
    items = []
    for _ in range(3):
        item = ItemFactory()
        transfer = services.start_transfer(
            item=item, from_library=khm, to_library=kga, reason="return_home", staff=None, now=now
        )
        services.plan_transfer(transfer_id=transfer.id, now=now)
        items.append(item)

    log_in(page, "pool", "Storfors bibliotek")
    page.goto("/staff/transport/receive/")
    scan = page.get_by_label("Skanna exemplarets streckkod")
    for n, item in enumerate(items, start=1):
        assert scan.evaluate("el => el === document.activeElement")
        page.keyboard.type(item.barcode)
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"document.querySelectorAll('[data-testid=received-row]').length === {n}"
        )
    counts = page.get_by_test_id("receive-counts")
    assert "3 exemplar mottagna i den här listan" in counts.inner_text()
    assert "3 att skicka vidare" in counts.inner_text()
    rows = page.get_by_test_id("received-row")
    assert items[-1].barcode in rows.first.inner_text()  # newest first
    assert all("Skicka till Karlskoga" in rows.nth(i).inner_text() for i in range(3))

    page.keyboard.type("NOPE")
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("desk-alert-dialog")
    dialog.wait_for(state="visible")
    assert "Inget exemplar har streckkoden NOPE" in dialog.inner_text()
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert scan.evaluate("el => el === document.activeElement")
    assert "1 skanning inte mottagen" in counts.inner_text()
    assert "3 exemplar mottagna" in counts.inner_text()

    page.reload()  # the list is kept for the session
    assert page.get_by_test_id("received-row").count() == 4
    page.get_by_test_id("receive-clear").click()
    assert page.get_by_test_id("received-row").count() == 0
