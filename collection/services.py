"""Weeding lists: build (a Celery job), decide item by item, execute in one step; the agenda.

Locking: execution locks the list row, then the copies it acts on in id order (the order
check-in and transport use: item first), then calls the catalogue and transport services,
which lock their own rows again (re-entrant within the transaction).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from catalog import services as catalog_services
from catalog.models import Item, Record
from collection import rules
from collection.models import (
    StorageRule,
    WeedingCandidate,
    WeedingCriteria,
    WeedingList,
    WeedingRound,
)
from libraries.enqueue import task_named
from libraries.models import Library
from transport import services as transport_services

logger = logging.getLogger(__name__)
CHUNK = 5000
Decision = WeedingCandidate.Decision


class CollectionRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# --- criteria -------------------------------------------------------------------------------


def criteria_for(library: Library) -> tuple[rules.Criteria, dict[str, str]]:
    rows = {c.library_id: c for c in WeedingCriteria.objects.filter(library__in=[library])}
    common_row = WeedingCriteria.objects.filter(library__isnull=True).first()
    common = rules.criteria_from(common_row) if common_row else rules.COMMON_DEFAULT
    local = rows.get(library.pk)
    return rules.effective_criteria(common, rules.criteria_from(local) if local else None)


def storage_rules() -> list[rules.StorageRule]:
    return [
        rules.StorageRule(r.library.code, r.media_type, r.classification_prefix)
        for r in StorageRule.objects.select_related("library")
    ]


# --- building a list ------------------------------------------------------------------------


@transaction.atomic
def start_list(
    *,
    library: Library,
    staff,
    now: datetime,
    item_type_id: int | None = None,
    shelf_prefix: str = "",
    conditions: tuple[str, ...] = (),
    weeding_round: WeedingRound | None = None,
) -> WeedingList:
    criteria, sources = criteria_for(library)
    wl = WeedingList.objects.create(
        library=library,
        weeding_round=weeding_round,
        created_by=staff,
        created_at=now,
        parameters={
            "criteria": asdict(criteria),
            "sources": sources,
            "item_type_id": item_type_id,
            "shelf_prefix": shelf_prefix.strip(),
            "conditions": list(conditions),
            "today": now.date().isoformat(),
        },
    )
    list_id = wl.pk
    transaction.on_commit(lambda: _enqueue("collection.tasks.build_weeding_list", list_id))
    return wl


def _enqueue(task_name: str, list_id: int) -> None:
    try:
        task_named(task_name).delay(list_id=list_id)
    except Exception:  # the broker is down: the periodic sweep builds queued lists
        logger.exception("could not queue weeding list %s; the sweep will build it", list_id)


def _scope(wl: WeedingList):
    p = wl.parameters
    items = Item.objects.filter(home_library_id=wl.library_id, status=Item.Status.AVAILABLE)
    if p.get("item_type_id"):
        items = items.filter(item_type_id=p["item_type_id"])
    if p.get("shelf_prefix"):
        items = items.filter(shelf_location__istartswith=p["shelf_prefix"])
    return items


def build_list(list_id: int) -> WeedingList:
    """Find the candidates, CHUNK copies at a time (progress is visible between chunks).
    Statements per chunk are constant: the copies, the titles' other copies, one INSERT,
    one progress UPDATE."""
    from datetime import date

    with transaction.atomic():
        wl = WeedingList.objects.select_for_update(skip_locked=True).filter(pk=list_id).first()
        if wl is None or wl.state not in (WeedingList.State.QUEUED, WeedingList.State.FAILED):
            return wl
        wl.state = WeedingList.State.RUNNING
        wl.progress_total = _scope(wl).count()
        wl.progress_done = 0
        wl.save(update_fields=["state", "progress_total", "progress_done"])
        WeedingCandidate.objects.filter(weeding_list=wl).delete()
    p = wl.parameters
    criteria = rules.Criteria(**p["criteria"])
    conditions = frozenset(p.get("conditions") or ())
    today = date.fromisoformat(p["today"])
    codes = dict(Library.objects.values_list("id", "code"))
    last_id, done = 0, 0
    while True:
        chunk = list(
            _scope(wl)
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list(
                "pk", "record_id", "last_borrowed_at", "loan_count", "acquired_on",
                "created_at", "condition",
            )[:CHUNK]
        )  # fmt: skip
        if not chunk:
            break
        last_id = chunk[-1][0]
        proposed = []
        for pk, record_id, last, loans, acquired, created, condition in chunk:
            facts = rules.CopyFacts(last, loans, acquired, created.date(), condition)
            why = rules.reasons(facts, criteria, today, conditions=conditions)
            if why:
                proposed.append((pk, record_id, why))
        holdings = holdings_of({record_id for _pk, record_id, _why in proposed}, codes)
        rows = []
        for pk, record_id, why in proposed:
            count = rules.count_copies(pk, holdings.get(record_id, []))
            rows.append(
                WeedingCandidate(
                    weeding_list=wl,
                    item_id=pk,
                    record_id=record_id,
                    reasons=why,
                    copies=count.by_library,
                    copies_in_storage=count.in_storage,
                    last_copy=count.last_copy,
                    last_outside_storage=count.last_outside_storage,
                )
            )
        done += len(chunk)
        with transaction.atomic():
            WeedingCandidate.objects.bulk_create(rows, batch_size=2000)
            WeedingList.objects.filter(pk=wl.pk).update(progress_done=done)
    from django.utils import timezone

    WeedingList.objects.filter(pk=wl.pk).update(
        state=WeedingList.State.READY, progress_done=done, built_at=timezone.now()
    )
    wl.refresh_from_db()
    return wl


def holdings_of(record_ids, codes: dict[int, str]) -> dict[int, list[rules.Holding]]:
    """Every copy of the titles, for the last-copy test: one statement."""
    out: dict[int, list[rules.Holding]] = defaultdict(list)
    if not record_ids:
        return out
    rows = Item.objects.filter(record_id__in=list(record_ids)).values_list(
        "pk", "record_id", "home_library_id", "status", "shelf_location"
    )
    for pk, record_id, home, status, shelf in rows:
        in_storage = status == Item.Status.IN_STORAGE or shelf == rules.STORAGE_SHELF
        out[record_id].append(rules.Holding(pk, codes.get(home, ""), status, in_storage))
    return out


# --- review ---------------------------------------------------------------------------------


@transaction.atomic
def decide(
    *,
    candidate: WeedingCandidate,
    decision: str,
    staff,
    now: datetime,
    transfer_to: Library | None = None,
    override_reason: str = "",
) -> WeedingCandidate:
    candidate = (
        WeedingCandidate.objects.select_for_update()
        .select_related("weeding_list")
        .get(pk=candidate.pk)
    )
    if candidate.weeding_list.state != WeedingList.State.READY:
        raise CollectionRefused("not_open", _("This weeding list can no longer be changed."))
    if decision not in Decision.values:
        raise CollectionRefused("bad_decision", _("Choose what to do with the copy."))
    reason = (override_reason or "").strip()[:200]
    if decision == Decision.TRANSFER:
        if transfer_to is None or transfer_to.pk == candidate.weeding_list.library_id:
            raise CollectionRefused(
                "transfer_to", _("Choose another library to transfer the copy to.")
            )
    else:
        transfer_to = None
    if decision == Decision.WEED and candidate.protected and not reason:
        raise CollectionRefused(
            "last_copy",
            _(
                "This is the last copy in the consortium's open collections: send it to storage, "
                "or give a reason for weeding it."
            ),
        )
    candidate.decision = decision
    candidate.transfer_to = transfer_to
    candidate.override_reason = reason if decision == Decision.WEED else ""
    candidate.decided_by = staff
    candidate.decided_at = now
    candidate.save(
        update_fields=["decision", "transfer_to", "override_reason", "decided_by", "decided_at"]
    )
    return candidate


# --- execution ------------------------------------------------------------------------------


@transaction.atomic
def execute_list(*, weeding_list: WeedingList, staff, now: datetime) -> dict:
    """Carry out every decision of the list in one transaction. A copy that cannot be acted on
    (on loan meanwhile, a last copy without a reason, no storage library) keeps its place and
    gets the refusal as its outcome; the rest is done."""
    wl = WeedingList.objects.select_for_update().get(pk=weeding_list.pk)
    if wl.state != WeedingList.State.READY:
        raise CollectionRefused("not_open", _("This weeding list can no longer be executed."))
    candidates = list(
        wl.candidates.exclude(decision__in=[Decision.UNDECIDED, Decision.KEEP]).order_by("item_id")
    )
    item_ids = [c.item_id for c in candidates]
    items = {
        i.pk: i
        for i in Item.objects.select_for_update()
        .select_related("current_library", "home_library", "record")
        .filter(pk__in=item_ids)
        .order_by("pk")
    }
    codes = dict(Library.objects.values_list("id", "code"))
    libraries = {lib.code: lib for lib in Library.objects.all()}
    holdings = holdings_of({c.record_id for c in candidates}, codes)
    refused = rules.refused_weeds(
        [rules.Decision(c.item_id, c.record_id, c.decision, c.override_reason) for c in candidates],
        holdings,
    )
    plan = storage_rules()
    counts = {"weeded": 0, "stored": 0, "transferred": 0, "refused": 0}
    for candidate in candidates:
        item = items[candidate.item_id]
        outcome = refused.get(item.pk) or _carry_out(candidate, item, plan, libraries, staff, now)
        candidate.outcome = outcome
        if outcome == "done":
            key = {"weed": "weeded", "storage": "stored", "transfer": "transferred"}
            counts[key[candidate.decision]] += 1
        else:
            counts["refused"] += 1
    WeedingCandidate.objects.bulk_update(candidates, ["outcome"], batch_size=1000)
    saved = wl.candidates.filter(
        decision__in=[Decision.KEEP, Decision.STORAGE, Decision.TRANSFER]
    ).filter(last_copy=True)
    counts["last_copies_saved"] = saved.exclude(outcome__in=["busy", "no_storage"]).count()
    wl.state = WeedingList.State.EXECUTED
    wl.executed_at = now
    wl.executed_by = staff
    wl.report = counts
    wl.save(update_fields=["state", "executed_at", "executed_by", "report"])
    if wl.weeding_round_id:
        WeedingRound.objects.filter(pk=wl.weeding_round_id).update(
            finished_at=now,
            weeded=counts["weeded"],
            stored=counts["stored"],
            transferred=counts["transferred"],
            last_copies_saved=counts["last_copies_saved"],
        )
    return counts


def _carry_out(candidate, item: Item, plan, libraries, staff, now) -> str:
    try:
        with transaction.atomic():
            if candidate.decision == Decision.WEED:
                catalog_services.withdraw_item(item=item)
                return "done"
            if candidate.decision == Decision.STORAGE:
                record: Record = item.record
                code = rules.storage_library(
                    plan,
                    media_type=record.media_type,
                    classification=record.sab or record.dewey,
                )
                if code is None or code not in libraries:
                    return "no_storage"
                _send(item, libraries[code], staff, now, shelf=rules.STORAGE_SHELF)
                return "done"
            if candidate.decision == Decision.TRANSFER:
                _send(item, candidate.transfer_to, staff, now, shelf="")
                return "done"
    except (catalog_services.CatalogError, transport_services.TransferRefused):
        return "busy"
    return "busy"


def _send(item: Item, library: Library, staff, now: datetime, *, shelf: str) -> None:
    """The copy now belongs to ``library``; a normal transfer takes it there."""
    if item.status != Item.Status.AVAILABLE:
        raise catalog_services.CatalogError("busy", "")
    catalog_services.move_item(item=item, to_library=library)
    Item.objects.filter(pk=item.pk).update(shelf_location=shelf)
    item.refresh_from_db()
    if item.current_library_id != library.pk:
        transport_services.start_transfer(
            item=item,
            from_library=item.current_library,
            to_library=library,
            reason="manual",
            staff=staff,
            now=now,
        )


# --- the agenda -----------------------------------------------------------------------------


def book_round(*, library: Library, section: str, planned_on, responsible=None, note: str = ""):
    section = (section or "").strip()
    if not section:
        raise CollectionRefused("section", _("Name the section to weed."))
    return WeedingRound.objects.create(
        library=library,
        section=section[:120],
        planned_on=planned_on,
        responsible=responsible,
        note=(note or "").strip()[:255],
    )
