"""The statistics reports: each builds a ``Report`` of tables (every chart beside its table),
from the selectors. Reading only; the numbers behind each report are written up in
docs/statistics.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ItemType, MediaType
from events.models import Kind
from libraries.models import Library
from stats import charts, selectors
from stats.selectors import Scope
from transport.models import Transfer

TZ = ZoneInfo("Europe/Stockholm")
CHILDREN_AUDIENCES = ("children", "youth")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]
    chart: charts.Chart | None = None
    note: str = ""


@dataclass
class Report:
    slug: str
    title: str
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    rolled_through: date | None = None  # the rollups' watermark, read once per page

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


REPORTS = {
    "loans-per-inhabitant": gettext_lazy("Loans per inhabitant"),
    "kb": gettext_lazy("National library statistics (KB)"),
    "flows": gettext_lazy("Flows between the libraries"),
    "holds-transport": gettext_lazy("Holds and transport"),
    "collection": gettext_lazy("Collection use"),
}


def _libraries() -> dict[int, Library]:
    return {lib.id: lib for lib in Library.objects.order_by("code")}


def _name(libs: dict[int, Library], library_id: int | None) -> str:
    lib = libs.get(library_id)
    return lib.code if lib else "–"


def _ratio(a: float, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if b else None


# --- Loans per inhabitant -------------------------------------------------------------------


def loans_per_inhabitant(period: Period, scope: Scope) -> Report:
    """Initial loans and renewals at every service point of a municipality (the book bus counts
    for the municipality it is registered in), per inhabitant of the start year."""
    libs = _libraries()
    members = [lib for lib in libs.values() if lib.kind == Library.Kind.LIBRARY]
    if scope.library_ids is not None:
        wanted = {libs[i].municipality for i in scope.library_ids if i in libs}
        members = [lib for lib in members if lib.municipality in wanted]
    municipalities = sorted({lib.municipality for lib in members})
    points = [lib.id for lib in libs.values() if lib.municipality in municipalities]
    sums = selectors.event_sums(
        kinds=[Kind.CHECKOUT, Kind.RENEWAL],
        start=period.start,
        end=period.end,
        rolled_through=period.rolled_through,
        group_by=("library_id", "kind"),
        scope=Scope(tuple(points)),
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for s in sums:
        counts[libs[s.key[0]].municipality, s.key[1]] += s.events
    population = selectors.populations(year=period.start.year)
    inhabitants = defaultdict(int)
    for lib in members:
        inhabitants[lib.municipality] += population.get(lib.id, 0)
    rows = []
    for m in municipalities:
        initial, renewals = counts[m, Kind.CHECKOUT], counts[m, Kind.RENEWAL]
        people = inhabitants[m] or None
        rows.append(
            [m, initial, renewals, initial + renewals, people, _ratio(initial + renewals, people)]
        )
    table = Table(
        title=_("Loans per inhabitant, %(year)d") % {"year": period.start.year},
        columns=[
            _("Municipality"),
            _("Initial loans"),
            _("Renewals"),
            _("Loans"),
            _("Inhabitants"),
            _("Loans per inhabitant"),
        ],
        rows=rows,
        chart=charts.bar_chart(_("Loans per inhabitant"), [(r[0], r[5] or 0) for r in rows]),
        note=_(
            "Loans are initial loans and renewals at the municipality's libraries and the book bus"
            " registered there; inhabitants of the start date's year."
        ),
    )
    return Report("loans-per-inhabitant", str(REPORTS["loans-per-inhabitant"]), [table])


# --- KB survey ------------------------------------------------------------------------------


def kb_survey(period: Period, scope: Scope) -> Report:
    """Initial loans and renewals by media type and children's/adults' media, per library."""
    libs = _libraries()
    sums = selectors.event_sums(
        kinds=[Kind.CHECKOUT, Kind.RENEWAL],
        start=period.start,
        end=period.end,
        rolled_through=period.rolled_through,
        group_by=("library_id", "media_type", "audience", "kind"),
        scope=scope,
    )
    detail: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    summary: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    media_names = dict(MediaType.choices)
    for s in sums:
        library_id, media, audience, kind = s.key
        children = audience in CHILDREN_AUDIENCES
        slot = 0 if kind == Kind.CHECKOUT else 1
        detail[library_id, media, children][slot] += s.events
        summary[library_id][(0 if children else 1) + 2 * slot] += s.events
    group = {True: _("Children and young adults"), False: _("Adults")}
    detail_rows = [
        [_name(libs, lib_id), str(media_names.get(media, media or "–")), group[children], *n]
        for (lib_id, media, children), n in sorted(
            detail.items(), key=lambda kv: (_name(libs, kv[0][0]), kv[0][1], not kv[0][2])
        )
    ]
    summary_rows = [
        [_name(libs, lib_id), *n, sum(n)]
        for lib_id, n in sorted(summary.items(), key=lambda kv: _name(libs, kv[0]))
    ]
    return Report(
        "kb",
        str(REPORTS["kb"]),
        [
            Table(
                title=_("Loans per library"),
                columns=[
                    _("Library"),
                    _("Initial loans, children's media"),
                    _("Initial loans, adults' media"),
                    _("Renewals, children's media"),
                    _("Renewals, adults' media"),
                    _("Total"),
                ],
                rows=summary_rows,
                chart=charts.bar_chart(
                    _("Initial loans"), [(r[0], r[1] + r[2]) for r in summary_rows]
                ),
            ),
            Table(
                title=_("By media type"),
                columns=[
                    _("Library"),
                    _("Media type"),
                    _("Audience"),
                    _("Initial loans"),
                    _("Renewals"),
                ],
                rows=detail_rows,
            ),
        ],
    )


# --- Flows ----------------------------------------------------------------------------------


def _matrix_table(title: str, corner: str, row_keys, col_keys, counts, row_name, col_name) -> Table:
    values = [[counts.get((r, c), 0) for c in col_keys] for r in row_keys]
    rows = [[row_name(r), *vals, sum(vals)] for r, vals in zip(row_keys, values, strict=True)]
    totals = [sum(col) for col in zip(*values, strict=True)] if values else []
    rows.append([_("Total"), *totals, sum(totals)])
    columns = [corner, *(col_name(c) for c in col_keys), _("Total")]
    return Table(
        title=title,
        columns=columns,
        rows=rows,
        chart=charts.heatmap(
            title, [row_name(r) for r in row_keys], [col_name(c) for c in col_keys], values
        ),
    )


def flows(period: Period, scope: Scope) -> Report:
    """Checkouts by owning × lending library, by borrower's municipality × lending library, and
    transfers started from × to."""
    libs = _libraries()
    codes = sorted(libs, key=lambda i: libs[i].code)
    owning = selectors.event_sums(
        kinds=[Kind.CHECKOUT],
        start=period.start,
        end=period.end,
        rolled_through=period.rolled_through,
        group_by=("owning_library_id", "library_id"),
        scope=scope,
        scope_columns=("library_id", "owning_library_id"),
    )
    municipal_scope = Scope(
        scope.library_ids,
        tuple(libs[i].municipality for i in scope.library_ids or () if i in libs),
    )
    home = selectors.event_sums(
        kinds=[Kind.CHECKOUT],
        start=period.start,
        end=period.end,
        rolled_through=period.rolled_through,
        group_by=("patron_municipality", "library_id"),
        scope=municipal_scope,
        scope_columns=("library_id", "patron_municipality"),
    )
    transfers = Transfer.objects.exclude(state=Transfer.State.CANCELLED).filter(
        created_at__gte=datetime.combine(period.start, time(), TZ),
        created_at__lt=datetime.combine(period.end + timedelta(days=1), time(), TZ),
    )
    if scope.library_ids is not None:
        transfers = transfers.filter(from_library_id__in=scope.library_ids) | transfers.filter(
            to_library_id__in=scope.library_ids
        )
    sent = {
        (row["from_library_id"], row["to_library_id"]): row["n"]
        for row in transfers.values("from_library_id", "to_library_id").annotate(n=Count("id"))
    }
    municipalities = sorted({s.key[0] for s in home} | {lib.municipality for lib in libs.values()})
    code = lambda i: _name(libs, i)  # noqa: E731
    return Report(
        "flows",
        str(REPORTS["flows"]),
        [
            _matrix_table(
                _("Loans: owning library (rows) × lending library (columns)"),
                _("Owner \\ Lent at"),
                codes,
                codes,
                {s.key: s.events for s in owning},
                code,
                code,
            ),
            _matrix_table(
                _("Loans: borrowers' municipality (rows) × lending library (columns)"),
                _("Municipality \\ Lent at"),
                municipalities,
                codes,
                {s.key: s.events for s in home},
                lambda m: m or _("Unknown"),
                code,
            ),
            _matrix_table(
                _("Transfers: sent from (rows) × sent to (columns)"),
                _("From \\ To"),
                codes,
                codes,
                sent,
                code,
                code,
            ),
        ],
    )


# --- Holds and transport --------------------------------------------------------------------


def holds_and_transport(period: Period, scope: Scope) -> Report:
    """Hold wait (placed → on the hold shelf) per pickup library, transit time per transfer's
    from → to, and the items in transfer at the end of each day."""
    libs = _libraries()
    placed = {
        s.key[0]: s.events
        for s in selectors.event_sums(
            kinds=[Kind.HOLD_PLACED],
            start=period.start,
            end=period.end,
            rolled_through=period.rolled_through,
            group_by=("library_id",),
            scope=scope,
        )
    }
    ready = {
        s.key[0]: s
        for s in selectors.event_sums(
            kinds=[Kind.HOLD_READY],
            start=period.start,
            end=period.end,
            rolled_through=period.rolled_through,
            group_by=("library_id",),
            scope=scope,
        )
    }
    day = 86400
    hold_rows = [
        [
            _name(libs, lib_id),
            placed.get(lib_id, 0),
            ready[lib_id].events if lib_id in ready else 0,
            _ratio(ready[lib_id].mean_duration or 0, day, 1) if lib_id in ready else None,
        ]
        for lib_id in sorted(set(placed) | set(ready), key=lambda i: _name(libs, i))
    ]
    transit = selectors.event_sums(
        kinds=[Kind.TRANSFER_ARRIVED],
        start=period.start,
        end=period.end,
        rolled_through=period.rolled_through,
        group_by=("other_library_id", "library_id"),
        scope=scope,
        scope_columns=("library_id", "other_library_id"),
    )
    transit_rows = [
        [
            f"{_name(libs, s.key[0])} → {_name(libs, s.key[1])}",
            s.events,
            _ratio(s.mean_duration or 0, day, 1),
        ]
        for s in sorted(transit, key=lambda s: (_name(libs, s.key[0]), _name(libs, s.key[1])))
    ]
    daily = selectors.in_transit_per_day(
        start=period.start, end=period.end, library_ids=scope.library_ids
    )
    daily_rows = [[d.isoformat(), n] for d, n in daily]
    return Report(
        "holds-transport",
        str(REPORTS["holds-transport"]),
        [
            Table(
                title=_("Hold wait per pickup library"),
                columns=[
                    _("Pickup library"),
                    _("Holds placed"),
                    _("Holds ready"),
                    _("Mean wait (days)"),
                ],
                rows=hold_rows,
                chart=charts.bar_chart(
                    _("Mean wait (days)"), [(r[0], r[3] or 0) for r in hold_rows]
                ),
                note=_("Wait: from placing the hold to the item on the hold shelf."),
            ),
            Table(
                title=_("Transit time per link"),
                columns=[_("From → to"), _("Transfers arrived"), _("Mean transit (days)")],
                rows=transit_rows,
                chart=charts.bar_chart(
                    _("Mean transit (days)"), [(r[0], r[2] or 0) for r in transit_rows]
                ),
                note=_("From the start of the transfer to its arrival at its destination."),
            ),
            Table(
                title=_("Items in transfer per day"),
                columns=[_("Date"), _("Items in transfer")],
                rows=daily_rows,
                chart=charts.line_chart(_("Items in transfer per day"), daily_rows),
            ),
        ],
    )


# --- Collection use -------------------------------------------------------------------------


def collection_use(period: Period, scope: Scope, *, years: int, now: datetime) -> Report:
    """Turnover (loans in the period per item) and items not borrowed in ``years`` years, per
    owning library and item type."""
    libs = _libraries()
    types = {t.id: t for t in ItemType.objects.all()}
    loans = {
        s.key: s.events
        for s in selectors.event_sums(
            kinds=[Kind.CHECKOUT],
            start=period.start,
            end=period.end,
            rolled_through=period.rolled_through,
            group_by=("owning_library_id", "item_type_id"),
            scope=scope,
            scope_columns=("owning_library_id",),
        )
    }
    since = now - timedelta(days=365 * years)
    counted = selectors.item_counts(since=since, library_ids=scope.library_ids)
    items = {key: n for key, (n, _idle) in counted.items()}
    idle = {key: n for key, (_n, n) in counted.items()}

    def label(key):
        t = types.get(key[1])
        return _name(libs, key[0]), (t.name if t else "–")

    keys = sorted(set(items) | set(loans), key=label)
    turnover = [
        [*label(k), items.get(k, 0), loans.get(k, 0), _ratio(loans.get(k, 0), items.get(k))]
        for k in keys
    ]
    per_library: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in turnover:
        per_library[row[0]][0] += row[2]
        per_library[row[0]][1] += row[3]
    unborrowed = [
        [*label(k), items.get(k, 0), idle.get(k, 0), _ratio(100 * idle.get(k, 0), items.get(k), 1)]
        for k in sorted(items, key=label)
    ]
    return Report(
        "collection",
        str(REPORTS["collection"]),
        [
            Table(
                title=_("Turnover: loans per item"),
                columns=[_("Library"), _("Item type"), _("Items"), _("Loans"), _("Loans per item")],
                rows=turnover,
                chart=charts.bar_chart(
                    _("Loans per item"),
                    [(lib, _ratio(n[1], n[0]) or 0) for lib, n in sorted(per_library.items())],
                ),
                note=_(
                    "Items: today's holdings that can circulate;"
                    " loans: initial loans in the period."
                ),
            ),
            Table(
                title=_("Items not borrowed in %(years)d years") % {"years": years},
                columns=[
                    _("Library"),
                    _("Item type"),
                    _("Items"),
                    _("Not borrowed"),
                    _("Share (%)"),
                ],
                rows=unborrowed,
                chart=charts.bar_chart(
                    _("Share (%)"), [(f"{r[0]} {r[1]}", r[4] or 0) for r in unborrowed][:30]
                ),
            ),
        ],
    )
