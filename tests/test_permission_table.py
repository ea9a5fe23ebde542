"""Every URL × every persona: who is let in and who is turned away (issue 12, item 4).

The rows below are the permission table as seen from outside (docs/permissions.md). The test
enumerates the URLconf, so a URL without a row fails ``test_every_url_has_a_row``; each row is
then requested by seven personas, the denied ones first (so their request changes nothing):

- ``anon``     nobody logged in
- ``patron``   a patron logged in to the OPAC (card + PIN)
- ``desk``     desk staff at Karlskoga, working there
- ``cat``      a cataloguer at Karlskoga, working there
- ``ladmin``   the library admin of Karlskoga, working there
- ``cadmin``   a consortium admin, working at Karlskoga
- ``other``    the library admin of Degerfors, working at Degerfors (another library's staff)

API calls name Karlskoga (``working_library=KGA``), so ``other`` is refused there: an API call
is allowed only for the library it names. The desk pages work at the session's working library;
the patron registry is shared, so ``other`` serves any patron at its own desk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from circulation.holds.models import Hold
from circulation.models import Fee
from libraries.models import Library, StaffRole
from patrons import opac_auth
from patrons.models import Patron, PatronBlock
from tests.circulation.factories import (
    FeeFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
)
from tests.conftest import make_staff, staff_client
from transport.models import FloatingRule, PackingList, Transfer, TransportLink

ALL = frozenset({"anon", "patron", "desk", "cat", "ladmin", "cadmin", "other"})
PUBLIC = ALL
PATRON = frozenset({"patron"})
STAFF = frozenset({"desk", "cat", "ladmin", "cadmin", "other"})
DESK = frozenset({"desk", "ladmin", "cadmin", "other"})
CATALOGUE = frozenset({"cat", "ladmin", "cadmin", "other"})
LADMIN = frozenset({"ladmin", "cadmin", "other"})
KGA_LADMIN = frozenset({"ladmin", "cadmin"})  # admin work on a Karlskoga object
CADMIN = frozenset({"cadmin"})
# The API names Karlskoga: another library's staff is refused.
API_STAFF = STAFF - {"other"}
API_DESK = DESK - {"other"}
API_CATALOGUE = CATALOGUE - {"other"}
# Order of requests: who must be refused first, so their requests change nothing.
ORDER = ["anon", "patron", "other", "cat", "desk", "ladmin", "cadmin"]

DENIED_REDIRECTS = ("/staff/login/", "/konto/logga-in/", "/staff/library/", "/staff/admin/login/")


class World:
    """The objects the URLs point at, made on demand (``new_*`` makes a fresh one)."""

    def __init__(self):
        self.kga = Library.objects.get(code="KGA")
        self.patron = PatronFactory(pin_hash=_pin_hash())
        self.card = self.patron.cards.get().number
        self.record = RecordFactory()
        self.item = ItemFactory(record=self.record)
        self.loan = LoanFactory(patron=self.patron)
        self.fee = FeeFactory(patron=self.patron)
        self.hold = self.new_hold()
        self.shelved = Hold.objects.create(
            patron=self.patron,
            record=self.item.record,
            item=self.item,
            pickup_library=self.kga,
            placed_at=timezone.now(),
            queue_key=1,
            state=Hold.State.ON_HOLD_SHELF,
            pickup_deadline=date(2099, 1, 1),
        )
        self.link = TransportLink.objects.create(
            from_library=self.kga,
            to_library=Library.objects.get(code="STO"),
            weekdays=[1, 3],
            departure_time="14:00",
            duration=timedelta(hours=2),
        )
        self.crate = PackingList.objects.create(link=self.link, departure_date=date(2025, 3, 11))
        self.transfer = Transfer.objects.create(
            item=ItemFactory(),
            from_library=self.kga,
            to_library=Library.objects.get(code="STO"),
            reason=Transfer.Reason.RETURN_HOME,
            created_at=timezone.now(),
        )
        self.import_job = None

    def new_patron(self) -> Patron:
        return PatronFactory()

    def new_hold(self, patron: Patron | None = None) -> Hold:
        return Hold.objects.create(
            patron=patron or self.patron,
            record=RecordFactory(),
            pickup_library=self.kga,
            placed_at=timezone.now(),
            queue_key=time.monotonic_ns() // 1000,
        )

    def new_loan(self):
        return LoanFactory(patron=self.patron)

    def new_fee(self) -> Fee:
        return FeeFactory(patron=self.patron, amount=Decimal("10.00"))

    def new_block(self) -> PatronBlock:
        return PatronBlock.objects.create(
            patron=self.patron, reason="test", library=self.kga, created_at=timezone.now()
        )

    def new_floating(self) -> FloatingRule:
        FloatingRule.objects.filter(library=self.kga).delete()
        return FloatingRule.objects.create(library=self.kga)

    def job(self):
        from catalog.models import ImportJob

        if self.import_job is None:
            self.import_job = ImportJob.objects.create(original_name="x.mrc", library=self.kga)
        return self.import_job


def _pin_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password("1234")


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    method: str = "get"
    kwargs: Callable[[World], dict] = field(default=lambda w: {})
    data: Callable[[World], dict] | None = None
    query: str = ""
    any_redirect: bool = False  # a redirect to a login page is the answer for everyone
    hidden: bool = False  # a refusal is a 404: the object is not shown to who may not see it


def api(allowed, method="get", kwargs=lambda w: {}, data=None) -> Row:
    """An API row: the call names Karlskoga (query string and, for writes, the body)."""
    body = (
        (lambda w: {"working_library": "KGA", **(data(w) if data else {})})
        if method != "get"
        else None
    )
    return Row(allowed, method, kwargs, body, query="working_library=KGA")


P = lambda w: {"patron_id": w.patron.pk}  # noqa: E731

ROWS: dict[str, Row] = {
    # --- public and sign-in pages
    "healthz": Row(PUBLIC),
    "set_language": Row(PUBLIC, "post", data=lambda w: {"language": "sv"}),
    "staff-login": Row(PUBLIC),
    "staff-logout": Row(PUBLIC, "post", any_redirect=True),  # to the login page, for all
    "choose-library": Row(STAFF),
    "api-schema": Row(PUBLIC),
    "api-docs": Row(PUBLIC),
    "admin:*": Row(CADMIN),
    # --- OPAC
    "opac:home": Row(PUBLIC),
    "opac:search": Row(PUBLIC, query="q=titel"),
    "opac:suggest": Row(PUBLIC, query="q=tit"),
    "opac:record": Row(PUBLIC, kwargs=lambda w: {"record_id": w.record.pk}),
    "opac:record-export": Row(
        PUBLIC, kwargs=lambda w: {"record_id": w.record.pk, "fmt": "marcxml"}
    ),
    "opac:login": Row(PUBLIC),
    "opac:logout": Row(PUBLIC, "post"),
    "opac:account": Row(PATRON),
    "opac:account-details": Row(PATRON, "post", data=lambda w: {"email": "a@example.se"}),
    "opac:change-pin": Row(PATRON, "post", data=lambda w: {}),
    "opac:my-data": Row(PATRON),
    "opac:loans": Row(PATRON),
    "opac:renew-all": Row(PATRON, "post"),
    "opac:renew": Row(PATRON, "post", kwargs=lambda w: {"loan_id": w.loan.pk}),
    "opac:fees": Row(PATRON),
    "opac_holds:mine": Row(PATRON),
    "opac_holds:place": Row(PATRON, kwargs=lambda w: {"record_id": w.record.pk}),
    "opac_holds:cancel": Row(PATRON, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}),
    "opac_holds:suspend": Row(PATRON, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}),
    # --- staff home, calendar, lending rules
    "staff-home": Row(STAFF),
    "opening-calendar": Row(LADMIN),
    "rules:index": Row(STAFF),
    "rules:log": Row(STAFF),
    "rules:tester": Row(STAFF),
    "rules:matrix": Row(STAFF, kwargs=lambda w: {"scope": "KGA"}),
    "rules:cell": Row(
        STAFF, kwargs=lambda w: {"scope": "KGA", "category": "ADULT", "item_type": "BOOK"}
    ),
    # --- catalogue
    "catalog:index": Row(CATALOGUE),
    "catalog:record-new": Row(CATALOGUE),
    "catalog:record": Row(CATALOGUE, kwargs=lambda w: {"record_id": w.record.pk}),
    "catalog:record-edit": Row(CATALOGUE, kwargs=lambda w: {"record_id": w.record.pk}),
    "catalog:record-marc": Row(CATALOGUE, kwargs=lambda w: {"record_id": w.record.pk}),
    "catalog:record-delete": Row(CATALOGUE, kwargs=lambda w: {"record_id": w.record.pk}),
    "catalog:item-add": Row(CATALOGUE, "post", kwargs=lambda w: {"record_id": w.record.pk}),
    "catalog:item-edit": Row(
        CATALOGUE - {"other"}, kwargs=lambda w: {"item_id": w.item.pk}
    ),  # cataloguer at the item's home library
    "catalog:item-move": Row(CATALOGUE - {"other"}, kwargs=lambda w: {"item_id": w.item.pk}),
    "catalog:item-withdraw": Row(CATALOGUE - {"other"}, kwargs=lambda w: {"item_id": w.item.pk}),
    "catalog:import": Row(CATALOGUE),
    "catalog:import-job": Row(CATALOGUE, kwargs=lambda w: {"job_id": w.job().pk}),
    # --- patrons
    "patrons:search": Row(DESK, query="q=Anna"),
    "patrons:register": Row(DESK),
    "patrons:access-log": Row(LADMIN),
    "patrons:detail": Row(DESK, kwargs=P),
    "patrons:show-personnummer": Row(DESK, "post", kwargs=P),
    "patrons:edit": Row(DESK, kwargs=P),
    "patrons:replace-card": Row(DESK, "post", kwargs=P, data=lambda w: {}),
    "patrons:report-lost": Row(DESK, "post", kwargs=lambda w: {"patron_id": w.new_patron().pk}),
    "patrons:set-pin": Row(DESK, "post", kwargs=P, data=lambda w: {}),
    "patrons:unlock": Row(DESK, "post", kwargs=P),
    "patrons:add-block": Row(DESK, "post", kwargs=P, data=lambda w: {}),
    "patrons:remove-block": Row(
        DESK,
        "post",
        kwargs=lambda w: {"patron_id": w.patron.pk, "block_id": w.new_block().pk},
    ),
    "patrons:merge": Row(LADMIN, kwargs=P),
    "patrons:remove": Row(LADMIN, kwargs=P),
    # --- circulation desk
    "circulation:index": Row(DESK),
    "circulation:checkout-start": Row(DESK),
    "circulation:checkout": Row(DESK, kwargs=P),
    "circulation:check-in-first": Row(DESK, "post", kwargs=P, data=lambda w: {}),
    "circulation:checkout-finish": Row(DESK, "post", kwargs=P),
    "circulation:receipt": Row(DESK, kwargs=P),
    "circulation:checkin": Row(DESK),
    "circulation:checkin-clear": Row(DESK, "post"),
    "circulation:renew": Row(DESK, "post", kwargs=lambda w: {"loan_id": w.new_loan().pk}),
    "circulation:mark-lost": Row(DESK, "post", kwargs=lambda w: {"loan_id": w.new_loan().pk}),
    "circulation:claims-returned": Row(DESK, "post", kwargs=lambda w: {"loan_id": w.new_loan().pk}),
    "circulation:renew-all": Row(DESK, "post", kwargs=P),
    "circulation:pay-fee": Row(DESK, "post", kwargs=lambda w: {"fee_id": w.new_fee().pk}),
    "circulation:waive-fee": Row(DESK, "post", kwargs=lambda w: {"fee_id": w.new_fee().pk}),
    # --- holds desk
    "holds:shelf": Row(DESK),
    "holds:pick-list": Row(DESK),
    "holds:place": Row(DESK),
    "holds:queue": Row(DESK, kwargs=lambda w: {"record_id": w.record.pk}),
    "holds:slip": Row(DESK, kwargs=lambda w: {"hold_id": w.shelved.pk}),
    "holds:cancel": Row(DESK, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}),
    "holds:suspend": Row(DESK, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}),
    # --- transport
    "transport:dashboard": Row(DESK),
    "transport:crate": Row(DESK, kwargs=lambda w: {"crate_id": w.crate.pk}),
    # A crate is closed where it is packed: Karlskoga's, not at Degerfors.
    "transport:close-crate": Row(
        DESK - {"other"}, "post", kwargs=lambda w: {"crate_id": w.crate.pk}
    ),
    "transport:slip": Row(DESK, kwargs=lambda w: {"transfer_id": w.transfer.pk}),
    "transport:receive": Row(DESK),
    "transport:send": Row(DESK),
    "transport:links": Row(STAFF),
    "transport:link-new": Row(STAFF),
    "transport:link-edit": Row(KGA_LADMIN, kwargs=lambda w: {"link_id": w.link.pk}),
    "transport:statistics": Row(STAFF),
    "transport:floating": Row(LADMIN),
    # Another library's admin gets the service's refusal (a message), and nothing changes.
    "transport:floating-remove": Row(
        LADMIN, "post", kwargs=lambda w: {"rule_id": w.new_floating().pk}
    ),
    # --- API (names Karlskoga)
    "api-libraries": api(API_STAFF),
    "api-records": Row(PUBLIC),
    "api-record": Row(PUBLIC, kwargs=lambda w: {"record_id": w.record.pk}),
    "api-items": api(API_STAFF),
    "api-item": api(API_STAFF, kwargs=lambda w: {"item_id": w.item.pk}),
    "api-transfers": api(API_DESK),
    "api-transport-route": api(API_STAFF),
    "api-patrons": api(API_DESK),
    "api-patron": api(API_DESK, kwargs=lambda w: {"patron_id": w.patron.pk}),
    "api-patron-by-card": api(API_DESK, kwargs=lambda w: {"number": w.card}),
    "api-checkouts": api(API_DESK, "post"),
    "api-checkins": api(API_DESK, "post"),
    "api-loans": api(API_DESK),
    "api-holds": api(API_DESK),
    "api-hold-cancel": api(API_DESK, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}),
    "api-hold-suspend": api(
        API_DESK, "post", kwargs=lambda w: {"hold_id": w.new_hold().pk}, data=lambda w: {}
    ),
    "api-loan-renew": api(API_DESK, "post", kwargs=lambda w: {"loan_id": w.new_loan().pk}),
    "api-rules-effective": api(API_STAFF),
}

KGA_DESK = frozenset({"desk", "ladmin", "cadmin"})  # desk work on a Karlskoga object
KGA_CATALOGUE = frozenset({"cat", "ladmin", "cadmin"})  # cataloguing a Karlskoga object
KGA_STAFF = frozenset({"desk", "cat", "ladmin", "cadmin"})


def _weeding_list(w):
    from collection.models import WeedingList

    return WeedingList.objects.create(library=w.kga, created_at=timezone.now(), state="ready")


def _candidate(w):
    from collection.models import WeedingCandidate

    item = ItemFactory()
    return WeedingCandidate.objects.create(
        weeding_list=_weeding_list(w), item=item, record=item.record
    )


def _reading_list(w, **kw):
    from collection.models import ReadingList

    return ReadingList.objects.create(title="Tips", library=w.kga, public=True, **kw)


def _own_list(w):
    from collection.models import ReadingList

    return ReadingList.objects.create(title="Mina", patron=w.patron)


def _notice(w):
    from notices.models import Notice

    return Notice.objects.create(
        patron=w.new_patron(), kind="due_soon", channel="email", library=w.kga,
        run_date=timezone.localdate(), created_at=timezone.now(),
    )  # fmt: skip


def _letter_batch(w):
    from notices.models import LetterBatch

    return LetterBatch.objects.create(library=w.kga, created_at=timezone.now())


ROWS.update(
    {
        # --- desk: item lookup, renew at checkout, receive list (issue 14)
        "circulation:items": Row(DESK, query="q=titel"),
        "circulation:item": Row(DESK, kwargs=lambda w: {"item_id": w.item.pk}),
        "circulation:open-loan": Row(DESK, kwargs=lambda w: {"loan_id": w.new_loan().pk}),
        "circulation:checkout-renew": Row(
            DESK, "post", kwargs=P, data=lambda w: {"loan": w.new_loan().pk}
        ),
        "transport:receive-clear": Row(DESK, "post"),
        # --- staff accounts (issue 14)
        "staff-users": Row(LADMIN),
        "staff-user-new": Row(LADMIN),
        "staff-user": Row(KGA_LADMIN, kwargs=lambda w: {"user_id": _kga_user().pk}, hidden=True),
        # --- notices (issue 15)
        "notices:patron": Row(DESK, kwargs=P),
        "notices:resend": Row(DESK, "post", kwargs=lambda w: {"notice_id": _notice(w).pk}),
        "notices:letters": Row(DESK),
        "notices:print-letters": Row(DESK, "post"),
        "notices:letter-pdf": Row(KGA_DESK, kwargs=lambda w: {"batch_id": _letter_batch(w).pk}),
        "notices:templates": Row(CADMIN),
        "notices:edit-template": Row(
            CADMIN, kwargs=lambda w: {"kind": "due_soon", "language": "sv"}
        ),
        "notices-opac:preferences": Row(PATRON),
        # --- statistics (issue 17)
        "stats:index": Row(LADMIN),
        "stats:report": Row(LADMIN, kwargs=lambda w: {"slug": "kb"}),
        "stats:population": Row(LADMIN),
        # --- collection work (issue 18)
        "collection:overview": Row(CATALOGUE),
        "collection:report": Row(CATALOGUE),
        "collection:round-new": Row(CATALOGUE, "post", data=lambda w: {"section": ""}),
        "collection:list-new": Row(CATALOGUE, "post", data=lambda w: {}),
        "collection:list": Row(KGA_CATALOGUE, kwargs=lambda w: {"list_id": _weeding_list(w).pk}),
        "collection:execute": Row(
            KGA_CATALOGUE, "post", kwargs=lambda w: {"list_id": _weeding_list(w).pk}
        ),
        "collection:decide": Row(
            KGA_CATALOGUE,
            "post",
            kwargs=lambda w: {"candidate_id": _candidate(w).pk},
            data=lambda w: {"decision": "keep"},
        ),
        "collection:criteria": Row(LADMIN),
        "collection:reading-lists": Row(STAFF),
        "collection:reading-list": Row(
            KGA_STAFF, kwargs=lambda w: {"list_id": _reading_list(w).pk}
        ),
        "opac-lists": Row(PUBLIC),
        "opac-list": Row(PUBLIC, kwargs=lambda w: {"list_id": _reading_list(w).pk}),
        "opac-list-pdf": Row(PUBLIC, kwargs=lambda w: {"list_id": _reading_list(w).pk}),
        "opac-list-rss": Row(PUBLIC, kwargs=lambda w: {"list_id": _reading_list(w).pk}),
        "opac-list-atom": Row(PUBLIC, kwargs=lambda w: {"list_id": _reading_list(w).pk}),
        "my-lists": Row(PATRON),
        "my-list-change": Row(
            PATRON,
            "post",
            kwargs=lambda w: {"list_id": _own_list(w).pk},
            data=lambda w: {"action": "publish", "public": "1"},
        ),
        # --- interoperability (issue 19): public machine interfaces, copy cataloguing
        "interop:sru": Row(PUBLIC, query="version=1.2&operation=explain"),
        "interop:oai": Row(PUBLIC, query="verb=Identify"),
        "interop:copy": Row(CATALOGUE),
        "interop:copy-record": Row(CATALOGUE),
    }
)


def _kga_user():
    user = make_staff(f"kga_{time.monotonic_ns()}", ("KGA", StaffRole.Role.DESK))
    return user


# Writes through the API checked separately: the same role as the desk page, at the library.
API_WRITES: dict[str, Row] = {
    "api-patrons": api(API_DESK, "post", data=lambda w: {}),
    "api-patron": api(
        API_DESK, "patch", kwargs=lambda w: {"patron_id": w.patron.pk}, data=lambda w: {}
    ),
    "api-holds": api(API_DESK, "post", data=lambda w: {}),
    "api-items": api(API_CATALOGUE, "post", data=lambda w: {}),
    "api-item": api(
        API_CATALOGUE, "patch", kwargs=lambda w: {"item_id": w.item.pk}, data=lambda w: {}
    ),
}


def url_names() -> set[str]:
    """Every named URL of the URLconf, namespaced; Django admin's as one ``admin:*``."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                if ns == "admin":
                    names.add("admin:*")
                    continue
                walk(entry.url_patterns, f"{prefix}{ns}:" if ns else prefix)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"unnamed URL pattern {entry.pattern}"
                names.add(prefix + entry.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_a_row():
    missing = url_names() - set(ROWS)
    assert not missing, f"URLs without a permission row (add them here and to docs): {missing}"
    stale = set(ROWS) - url_names()
    assert not stale, f"rows for URLs that no longer exist: {stale}"


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas():
    users = {
        "desk": (make_staff("t_desk", ("KGA", StaffRole.Role.DESK)), "KGA"),
        "cat": (make_staff("t_cat", ("KGA", StaffRole.Role.CATALOGUER)), "KGA"),
        "ladmin": (make_staff("t_ladmin", ("KGA", StaffRole.Role.LIBRARY_ADMIN)), "KGA"),
        "cadmin": (make_staff("t_cadmin", (None, StaffRole.Role.CONSORTIUM_ADMIN)), "KGA"),
        "other": (make_staff("t_other", ("DEG", StaffRole.Role.LIBRARY_ADMIN)), "DEG"),
    }
    users["cadmin"][0].is_staff = users["cadmin"][0].is_superuser = True
    users["cadmin"][0].save(update_fields=["is_staff", "is_superuser"])
    return users


def client_for(persona: str, world: World, users) -> object:
    from django.test import Client

    client = Client()
    if persona == "patron":
        session = client.session
        session[opac_auth.SESSION_PATRON] = world.patron.pk
        session[opac_auth.SESSION_HASH] = opac_auth._pin_fingerprint(world.patron)
        session[opac_auth.SESSION_SEEN] = time.time()
        session.save()
    elif persona != "anon":
        user, code = users[persona]
        staff_client(client, user, code)
    return client


def outcome(response, row: Row) -> str:
    if response.status_code in (401, 403):
        return "denied"
    if response.status_code in (301, 302) and not row.any_redirect:
        target = response.headers.get("Location", "")
        if any(target.startswith(prefix) for prefix in DENIED_REDIRECTS):
            return "denied"
    return "allowed"


def request(client, name: str, row: Row, world: World):
    from django.urls import reverse

    url = "/staff/admin/" if name == "admin:*" else reverse(name, kwargs=row.kwargs(world))
    if row.query:
        url = f"{url}?{row.query}"
    data = row.data(world) if row.data else {}
    if name.startswith("api-") and row.method != "get":
        return getattr(client, row.method)(url, data, content_type="application/json")
    return getattr(client, row.method)(url, data)


def check_row(name: str, row: Row, personas) -> None:
    world = World()
    wrong = []
    for persona in ORDER:
        response = request(client_for(persona, world, personas), name, row, world)
        status = response.status_code
        assert status < 500, f"{name} as {persona}: {status}"
        if row.hidden and status == 404:
            status = 403
            response.status_code = 403
        assert status not in (404, 405), f"{name} as {persona}: {status} (fix the row)"
        expected = "allowed" if persona in row.allowed else "denied"
        if outcome(response, row) != expected:
            wrong.append((persona, expected, status, response.headers.get("Location")))
    assert not wrong, f"{name}: {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROWS))
def test_who_may_use_each_url(name, personas):
    check_row(name, ROWS[name], personas)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(API_WRITES))
def test_who_may_write_through_the_api(name, personas):
    check_row(name, API_WRITES[name], personas)


@pytest.mark.django_db
def test_an_api_call_must_name_its_library(personas):
    """Without a working library in the session or the call, personal data is not served."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(personas["desk"][0])
    assert client.get("/api/v1/patrons/").status_code == 400
    assert client.get("/api/v1/patrons/?working_library=KGA").status_code == 200
    assert client.get("/api/v1/patrons/?working_library=DEG").status_code == 403
    assert client.get("/api/v1/patrons/?working_library=NOPE").status_code == 400
