"""Every seeded demo patron can be saved unchanged (issue 12, item 8)."""

from __future__ import annotations

import pytest
from django.core.validators import validate_email
from django.utils import timezone

from patrons import services
from patrons.demo import create_demo_patrons, demo_email
from patrons.models import Patron
from tests.conftest import staff_client
from tests.patrons.factories import PatronFactory

pytestmark = pytest.mark.django_db


def unchanged(patron: Patron) -> services.PatronDetails:
    """The patron's details as they are (what an edit form posts back untouched)."""
    values = {
        name: getattr(patron, name)
        for name in services.PatronDetails.__dataclass_fields__
        if name != "personnummer"
    }
    return services.PatronDetails(**values, personnummer=patron.personnummer or "")


def test_demo_addresses_are_ascii_and_valid():
    assert demo_email("Åsa", "Öberg", 7) == "asa.oberg.7@example.se"
    assert (
        demo_email("Skolbiblioteket", "Hällefors", 12) == "skolbiblioteket.hallefors.12@example.se"
    )


def test_every_seeded_demo_patron_saves_unchanged():
    create_demo_patrons()
    patrons = list(Patron.objects.select_related("category", "home_library", "guardian"))
    assert len(patrons) > 100
    now = timezone.now()
    for patron in patrons:
        if patron.email:
            validate_email(patron.email)
        services.update_patron(patron=patron, details=unchanged(patron), now=now)


def test_a_stored_address_older_rules_refuse_still_saves_unchanged(client, desk_staff_karlskoga):
    patron = PatronFactory(email="åsa.öberg@example.se")
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.patch(f"/api/v1/patrons/{patron.pk}/", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    changed = client.patch(
        f"/api/v1/patrons/{patron.pk}/",
        {"email": "örjan@example.se"},
        content_type="application/json",
    )
    assert changed.status_code == 400  # a new address must be valid
