"""Desk operations through the real Django request path in-process (test Client against the
API, logged-in staff session), the same services called directly, the heavy patron, renew-all,
and the raw-SQL floor of a checkout."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import psycopg
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import fixtures
from bench.stats import Series, timed
from bench.wsgi_client import WsgiClient

WARMUP = 20


def staff_client() -> Client:
    client = Client()
    client.force_login(fixtures.bench_user())
    return client


def _post(client: Client, url: str, data: dict, expect: int, series: Series):
    response = timed(series, lambda: client.post(url, data, content_type="application/json"))
    if response.status_code != expect:
        series.errors += 1
        series.note = f"{response.status_code}: {response.content[:200]!r}"
        return None
    return response.json()


def _due_tomorrow(loan_ids) -> None:
    """Setup, not measured: a renewal right after the checkout would not move the due date and
    is refused as too soon (docs/lending-rules.md), so the loans to renew fall due tomorrow."""
    from circulation.models import Loan

    Loan.objects.filter(pk__in=list(loan_ids)).update(due_at=timezone.now() + timedelta(days=1))


def run_desk(n: int, *, warmup: int = WARMUP) -> dict[str, Series]:
    """Checkout → renew → plain check-in on one set of items; checkout → check-in elsewhere
    (a transfer starts) on another. Warm-up operations are run and not recorded."""
    client = staff_client()
    cards = fixtures.normal_cards(200)
    items = fixtures.available_items(2 * (n + warmup), offset_seed=int(time.time()))
    desks = fixtures.desks(cards, items)
    a, b = desks[: n + warmup], desks[n + warmup :]
    out = {
        name: Series(name)
        for name in ("checkout", "renew", "checkin", "checkin_transfer", "warmup")
    }
    loans = []
    for k, desk in enumerate(a):
        series = out["warmup"] if k < warmup else out["checkout"]
        body = {"card": desk.card, "barcode": desk.barcode, "library": desk.library}
        loan = _post(client, "/api/v1/checkouts/", body, 201, series)
        loans.append(loan["id"] if loan else None)
    _due_tomorrow([loan_id for loan_id in loans if loan_id is not None])
    for k, (desk, loan_id) in enumerate(zip(a, loans, strict=True)):
        if loan_id is None:
            continue
        series = out["warmup"] if k < warmup else out["renew"]
        _post(client, f"/api/v1/loans/{loan_id}/renew/", {"library": desk.library}, 200, series)
    for k, desk in enumerate(a):
        series = out["warmup"] if k < warmup else out["checkin"]
        result = _post(
            client, "/api/v1/checkins/", {"barcode": desk.barcode, "library": desk.library}, 200,
            series,
        )  # fmt: skip
        if result and result["action"] != "reshelve":
            series.note = f"expected reshelve, got {result['action']}"
    for desk in b:
        body = {"card": desk.card, "barcode": desk.barcode, "library": desk.library}
        _post(client, "/api/v1/checkouts/", body, 201, out["warmup"])
    for k, desk in enumerate(b):
        series = out["warmup"] if k < warmup else out["checkin_transfer"]
        body = {"barcode": desk.barcode, "library": desk.elsewhere}
        result = _post(client, "/api/v1/checkins/", body, 200, series)
        if result and result["action"] != "send_home":
            series.note = f"expected send_home, got {result['action']}"
    del out["warmup"]
    return out


def run_desk_wsgi(n: int, *, warmup: int = WARMUP) -> dict[str, Series]:
    """Checkout → renew → plain check-in through the WSGI application as gunicorn calls it
    (``bench.wsgi_client``), on items of their own: series ``wsgi_checkout``, ``wsgi_renew``,
    ``wsgi_checkin``."""
    client = WsgiClient(fixtures.bench_user())
    desks = fixtures.desks(
        fixtures.normal_cards(200),
        fixtures.available_items(n + warmup, offset_seed=17 + int(time.time())),
    )
    out = {name: Series(f"wsgi_{name}") for name in ("checkout", "renew", "checkin", "warmup")}

    def post(url, body, expect, series):
        status, content = timed(series, lambda: client.post(url, body))
        if status != expect:
            series.errors += 1
            series.note = f"{status}: {content[:200]!r}"
            return None
        return json.loads(content)

    loans = []
    for k, desk in enumerate(desks):
        series = out["warmup"] if k < warmup else out["checkout"]
        body = {"card": desk.card, "barcode": desk.barcode, "library": desk.library}
        loan = post("/api/v1/checkouts/", body, 201, series)
        loans.append(loan["id"] if loan else None)
    _due_tomorrow([loan_id for loan_id in loans if loan_id is not None])
    for k, (desk, loan_id) in enumerate(zip(desks, loans, strict=True)):
        if loan_id is not None:
            series = out["warmup"] if k < warmup else out["renew"]
            post(f"/api/v1/loans/{loan_id}/renew/", {"library": desk.library}, 200, series)
    for k, desk in enumerate(desks):
        series = out["warmup"] if k < warmup else out["checkin"]
        post("/api/v1/checkins/", {"barcode": desk.barcode, "library": desk.library}, 200, series)
    del out["warmup"]
    return {series.name: series for series in out.values()}


def run_services(n: int) -> dict[str, Series]:
    """The same operations calling circulation.services directly (no HTTP layer, no session):
    the statement counts of the operation itself."""
    from circulation import renewals, services
    from libraries.models import Library

    user = fixtures.bench_user()
    libraries = {lib.code: lib for lib in Library.objects.all()}
    cards = fixtures.normal_cards(200)
    desks = fixtures.desks(cards, fixtures.available_items(n + 5, offset_seed=7 + int(time.time())))
    out = {name: Series(f"service_{name}") for name in ("checkout", "renew", "checkin")}
    loans = []
    for desk in desks:
        loans.append(
            timed(
                out["checkout"],
                lambda desk=desk: services.check_out(
                    card_number=desk.card, barcode=desk.barcode,
                    library=libraries[desk.library], staff=user, now=timezone.now(),
                ),
            )
        )  # fmt: skip
    _due_tomorrow([loan.pk for loan in loans])
    for desk, loan in zip(desks, loans, strict=True):
        lib = libraries[desk.library]
        timed(
            out["renew"],
            lambda loan=loan, lib=lib: renewals.renew(
                loan=loan, library=lib, staff=user, now=timezone.now()
            ),
        )
    for desk in desks:
        lib = libraries[desk.library]
        timed(
            out["checkin"],
            lambda desk=desk, lib=lib: services.check_in(
                barcode=desk.barcode, library=lib, staff=user, now=timezone.now()
            ),
        )
    return out


def run_heavy(n: int) -> dict[str, Series]:
    """Checkouts and check-ins for a patron who already has 1,000 open loans."""
    client = staff_client()
    cards = fixtures.marked_cards("bench:heavy")
    if not cards:
        return {}
    items = fixtures.available_items(n + WARMUP, offset_seed=3 + int(time.time()))
    desks = fixtures.desks(cards[:1], items)
    out = {"heavy_checkout": Series("heavy_checkout"), "heavy_checkin": Series("heavy_checkin")}
    warm = Series("warmup")
    for k, desk in enumerate(desks):
        body = {"card": desk.card, "barcode": desk.barcode, "library": desk.library}
        _post(
            client, "/api/v1/checkouts/", body, 201, warm if k < WARMUP else out["heavy_checkout"]
        )
    for k, desk in enumerate(desks):
        body = {"barcode": desk.barcode, "library": desk.library}
        _post(client, "/api/v1/checkins/", body, 200, warm if k < WARMUP else out["heavy_checkin"])
    return out


def run_renew_all(limit: int) -> dict[str, Series]:
    """renew_all for patrons with 100 open loans (one call per patron: each renews 100)."""
    from circulation import renewals
    from circulation.models import Loan
    from patrons.models import Patron

    user = fixtures.bench_user()
    series = Series("renew_all_100")
    ids = fixtures.marked_patron_ids("bench:renew-all")[:limit]
    refused = loans = 0
    for patron in Patron.objects.filter(id__in=ids).select_related("home_library"):
        _due_tomorrow(Loan.objects.open().filter(patron=patron).values_list("id", flat=True))
        outcomes = timed(
            series,
            lambda patron=patron: renewals.renew_all(
                patron=patron, library=patron.home_library, staff=user, now=timezone.now()
            ),
        )
        loans += len(outcomes)
        refused += sum(1 for o in outcomes if not o.renewed)
    if refused:
        # Refusals are the rules at work (a loan renewed in earlier runs reaches its maximum),
        # not errors: each call still decided every loan.
        series.note = f"{refused} of {loans} loans refused by the rules (earlier runs' renewals)"
    return {"renew_all_100": series}


_LOAN_STATE = (
    "due_at",
    "renewals",
    "last_renewed_at",
    "returned_at",
    "returned_library_id",
    "end_reason",
    "patron_id",
)
_ITEM_STATE = ("status", "current_library_id", "last_borrowed_at", "loan_count", "updated_at")


def _row_state(cursor, table: str, columns: tuple[str, ...], row_id: int) -> tuple:
    cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [row_id])  # noqa: S608
    return cursor.fetchone()


def _restore(cursor, table: str, columns: tuple[str, ...], row_id: int, values: tuple) -> None:
    assignments = ", ".join(f"{c} = %s" for c in columns)
    cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*values, row_id])  # noqa: S608


def _captured(fn) -> list[str]:
    """The statements ``fn`` sends (Django logs BEGIN/COMMIT too; the floor runs its own
    transaction)."""
    connection.queries_log.clear()  # the capture slices the (bounded) log
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]


def _time_raw(n: int, statements: list[str], undo, requests: tuple = ()) -> tuple[Series, Series]:
    """Run ``statements`` raw through psycopg 2 × (n + warm-up) times, alternately committed
    and rolled back; ``undo(cursor)`` puts the rows back after a commit, untimed.

    ``requests``: pairs of (the same operation on the same rows through the API, a Series);
    each runs after each committed floor run, timed into its series and undone the same way:
    requests and floor alternate, so their ratio is measured under the same load (the machine's
    load can change between the desk phase and the floor phase of a run)."""
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None, port=settings["PORT"] or None,
    )  # fmt: skip
    series, rolled_back = Series("floor"), Series("floor_rollback")
    with psycopg.connect(conninfo) as raw:
        with raw.cursor() as cursor:
            undo(cursor)
        raw.commit()
        for k in range(2 * (n + WARMUP)):
            commit = k % 2 == 0
            started = time.perf_counter()
            with raw.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql.encode())
            if commit:
                raw.commit()
            else:
                raw.rollback()
            elapsed = (time.perf_counter() - started) * 1000
            if k >= 2 * WARMUP:
                (series if commit else rolled_back).add(elapsed, len(statements))
            if commit:  # undo, untimed
                with raw.cursor() as cursor:
                    undo(cursor)
                raw.commit()
                for request, interleaved in requests:
                    started = time.perf_counter()
                    ok = request()
                    elapsed = (time.perf_counter() - started) * 1000
                    if not ok:
                        interleaved.errors += 1
                    elif k >= 2 * WARMUP:
                        interleaved.add(elapsed)
                    with raw.cursor() as cursor:
                        undo(cursor)
                    raw.commit()
    return series, rolled_back


def _factor(p50, floor: dict):
    return round(p50 / floor["p50"], 2) if p50 and floor["p50"] else None


def run_floor(n: int, checkout: Series, services_rows: dict[str, Series] | None = None) -> dict:
    """Capture the statements of one real service checkout, then run exactly those statements
    raw through psycopg, n times; the same for a plain check-in (reshelve) and a renewal.

    The floor commits, as the operation does (a commit waits for the WAL flush): after each
    timed run the rows it wrote are put back, untimed (the checkout's loan deleted, the item row
    restored; the check-in's loan reopened; the renewal's due date restored). The same
    statements rolled back instead of committed are reported too (``*_rollback``)."""
    from circulation import renewals, services
    from libraries.models import Library

    services_rows = services_rows or {}
    user = fixtures.bench_user()
    desks = fixtures.desks(fixtures.normal_cards(2), fixtures.available_items(2, offset_seed=11))
    desk = desks[0]
    library = Library.objects.get(code=desk.library)
    holder = {}

    def lend():
        holder["loan"] = services.check_out(
            card_number=desk.card, barcode=desk.barcode, library=library, staff=user,
            now=timezone.now(),
        )  # fmt: skip

    statements = _captured(lend)
    loan = holder["loan"]
    services.check_in(barcode=desk.barcode, library=library, staff=user, now=timezone.now())
    item_id = loan.item_id
    with connection.cursor() as cursor:
        item_row = _row_state(cursor, "catalog_item", _ITEM_STATE, item_id)

    def undo_checkout(cursor):
        cursor.execute(
            "DELETE FROM circulation_loan WHERE item_id = %s AND returned_at IS NULL", [item_id]
        )
        _restore(cursor, "catalog_item", _ITEM_STATE, item_id, item_row)

    client = staff_client()
    wsgi = WsgiClient(user)

    def post(url: str, body: dict, expect: int, name: str) -> tuple:
        """The request through the test client and through the WSGI application, each with
        the series it is timed into."""
        return (
            (
                lambda: (
                    client.post(url, body, content_type="application/json").status_code == expect
                ),
                interleaved[name],
            ),
            (lambda: wsgi.post(url, body)[0] == expect, interleaved[f"wsgi_{name}"]),
        )

    names = ("checkout", "renew", "checkin")
    interleaved = {name: Series(f"interleaved_{name}") for name in names} | {
        f"wsgi_{name}": Series(f"interleaved_wsgi_{name}") for name in names
    }
    body = {"card": desk.card, "barcode": desk.barcode, "library": desk.library}
    series, rolled_back = _time_raw(
        n, statements, undo_checkout, post("/api/v1/checkouts/", body, 201, "checkout")
    )
    floor = series.summary()
    p50 = checkout.summary()["p50"] if checkout.ms else None
    out = {
        "floor": floor,
        "floor_rollback": rolled_back.summary(),
        "statements": statements,
        "service_checkout_p50": p50,
        "overhead_factor": _factor(p50, floor),
    }

    # Check-in (reshelve) and renewal of a loan of the second desk item.
    other = desks[1]
    other_library = Library.objects.get(code=other.library)
    loan = services.check_out(
        card_number=other.card, barcode=other.barcode, library=other_library, staff=user,
        now=timezone.now(),
    )  # fmt: skip
    _due_tomorrow([loan.pk])
    with connection.cursor() as cursor:
        loan_row = _row_state(cursor, "circulation_loan", _LOAN_STATE, loan.pk)
        on_loan_item = _row_state(cursor, "catalog_item", _ITEM_STATE, loan.item_id)
    renew_statements = _captured(
        lambda: renewals.renew(loan=loan, library=other_library, staff=user, now=timezone.now())
    )

    def undo_loan(cursor):
        _restore(cursor, "circulation_loan", _LOAN_STATE, loan.pk, loan_row)
        _restore(cursor, "catalog_item", _ITEM_STATE, loan.item_id, on_loan_item)

    renew_series, renew_rolled_back = _time_raw(
        n, renew_statements, undo_loan,
        post(f"/api/v1/loans/{loan.pk}/renew/", {"library": other.library}, 200, "renew"),
    )  # fmt: skip
    with connection.cursor() as cursor:
        undo_loan(cursor)
    checkin_statements = _captured(
        lambda: services.check_in(
            barcode=other.barcode, library=other_library, staff=user, now=timezone.now()
        )
    )
    checkin_series, checkin_rolled_back = _time_raw(
        n, checkin_statements, undo_loan,
        post("/api/v1/checkins/", {"barcode": other.barcode, "library": other.library}, 200,
             "checkin"),
    )  # fmt: skip
    services.check_in(  # the loan ends for good
        barcode=other.barcode, library=other_library, staff=user, now=timezone.now()
    )
    for name, timed_series, rolled, sqls in (
        ("renew", renew_series, renew_rolled_back, renew_statements),
        ("checkin", checkin_series, checkin_rolled_back, checkin_statements),
    ):
        summary = timed_series.summary()
        service = services_rows.get(f"service_{name}")
        out[f"floor_{name}"] = summary
        out[f"floor_{name}_rollback"] = rolled.summary()
        out[f"statements_{name}"] = sqls
        out[f"service_{name}_p50"] = service.summary()["p50"] if service and service.ms else None
        out[f"overhead_factor_{name}"] = _factor(out[f"service_{name}_p50"], summary)
    # The API request alternated with its floor run: the ratio under the same load.
    for name, floor_series in (
        ("checkout", series), ("renew", renew_series), ("checkin", checkin_series),
    ):  # fmt: skip
        for key in (name, f"wsgi_{name}"):
            summary = interleaved[key].summary()
            out[f"interleaved_{key}"] = summary
            out[f"interleaved_factor_{key}"] = _factor(summary["p50"], floor_series.summary())
    return out
