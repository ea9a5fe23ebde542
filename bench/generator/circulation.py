"""Loans (open and five years of history), transfers in flight, fees and holds: planned in
memory, written with COPY. A mixin of ``Generator`` (bench/generator/core.py)."""

from __future__ import annotations

import json
import math
from array import array
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from bench.generator.shape import (
    CAUGHT_SHARE,
    CLOSED_SHARE,
    HEAVY_LOANS,
    HOLDS_PER_PATRON,
    MEDIA,
    RENEW_ALL_LOANS,
)
from bench.generator.sql import _cumulative, copy_rows


class CirculationMixin:
    def plan_circulation(self) -> None:
        s, rng = self.s, self.rng
        state, current = self.item_state, self.item_current
        n_items = self.item_count
        reference = self.types["REFERENCE"]
        self.item_type = array("i", [0]) * n_items
        media_types = {m: self.types[t] for m, t, _ in MEDIA}
        for i in range(n_items):
            media = MEDIA[self.media[self.item_record[i]]][0]
            self.item_type[i] = reference if rng.random() < 0.005 else media_types[media]
        # Open loans: (item, patron id, checkout lib index, checked out at, due)
        self.open_loans: list[tuple[int, int, int, datetime, datetime]] = []
        first_bench = s.patrons + 1
        bench_quota = [(first_bench + k, HEAVY_LOANS) for k in range(s.heavy)] + [
            (first_bench + s.heavy + k, RENEW_ALL_LOANS) for k in range(s.renew_all)
        ]
        free = list(range(n_items))
        rng.shuffle(free)
        pos = 0
        for pid, count in bench_quota:
            home = self.lib_codes.index(self.patrons[pid - 1][1])
            for _ in range(count):
                while state[free[pos]] != 0 or self.item_type[free[pos]] == reference:
                    pos += 1
                item = free[pos]
                pos += 1
                out = self.now - timedelta(days=rng.uniform(1, 20))
                self._lend(item, pid, home, out, out + timedelta(days=56))
        # Normal open loans: popular items first, to patrons with 1–15 loans (heavy ones more).
        target = int(n_items * s.open_share)
        borrowers = [p for p in range(s.patrons) if self.patrons[p][0] != "INST"]
        active = rng.sample(borrowers, int(len(borrowers) * 0.35))
        active_cum = list(_cumulative(8 if p in self.heavy_history else 1 for p in active))
        per_patron: dict[int, int] = {}
        misses = 0
        while len(self.open_loans) < target and misses < target:
            for item in self.pick_items(target - len(self.open_loans)):
                if state[item] != 0 or self.item_type[item] == reference:
                    misses += 1
                    continue
                p = rng.choices(active, cum_weights=active_cum)[0]
                if per_patron.get(p, 0) >= 40:
                    misses += 1
                    continue
                per_patron[p] = per_patron.get(p, 0) + 1
                home = self.lib_codes.index(self.patrons[p][1])
                lib = home if rng.random() < 0.85 else rng.randrange(len(self.lib_codes))
                age = rng.uniform(0, 27) if rng.random() < 0.9 else rng.uniform(27, 70)
                out = self.now - timedelta(days=age)
                self._lend(item, p + 1, lib, out, out + timedelta(days=28))
        # Transfers in flight: items returned away from home, on their way.
        # item, from lib idx, to lib idx, reason (holds add theirs in plan_holds)
        self.transfers: list[tuple[int, int, int, str]] = []
        for item in rng.sample(range(n_items), int(n_items * s.transit_share)):
            if state[item] != 0:
                continue
            home = self.item_home[item]
            here = rng.choice([i for i in range(len(self.lib_codes)) if i != home])
            state[item] = 2
            current[item] = here
            self.transfers.append((item, here, home, "return_home"))
        # History: returned loans, popular items more often.
        self.history_items = array("i", self.pick_items(s.history))
        for item in self.history_items:
            self.item_loans[item] += 1
        self.step(
            f"planned {len(self.open_loans)} open loans, {len(self.transfers)} transfers, "
            f"{s.history} returned loans"
        )

    def _lend(self, item: int, patron_id: int, lib: int, out: datetime, due: datetime) -> None:
        self.item_state[item] = 1
        self.item_current[item] = lib
        self.item_loans[item] += 1
        self.item_last[item] = out
        self.open_loans.append((item, patron_id, lib, out, due))

    # --- holds -----------------------------------------------------------------------------
    def plan_holds(self) -> None:
        """Queues on popular titles (Zipf, each queue capped), oldest first; the oldest holds of
        some titles already caught a copy that is on the hold shelf or on its way (with a
        transfer); a few holds ask for one copy, a few are paused; older holds are closed.

        Database rules kept: one active hold per patron and title (and none on a title the
        patron has on loan), a copy fills at most one hold, a caught hold has its copy and a
        shelved one its pickup deadline; the copies' status follows (on hold shelf / in transit).
        """
        s, rng, now = self.s, self.rng, self.now
        self.hold_rows: list[tuple] = []
        self.hold_counts: dict[str, int] = {}
        if s.holds <= 0:
            return
        reference = self.types["REFERENCE"]
        n_libs = len(self.lib_codes)
        patrons = [p for p in range(s.patrons) if self.patrons[p][0] != "INST"]
        on_loan = {(pid - 1, self.item_record[item]) for item, pid, *_rest in self.open_loans}
        cap = min(300, max(10, s.holds // 40))  # the longest queue (a bestseller)
        caught_quota = round(s.holds * CAUGHT_SHARE)
        wanted = s.holds + caught_quota
        # More holds than usual for this many patrons (``--holds``): each may hold a few more.
        per_patron_cap = min(25, max(HOLDS_PER_PATRON, math.ceil(2 * wanted / len(patrons))))
        taken: set[tuple[int, int]] = set()
        per_patron: dict[int, int] = {}
        queues: dict[int, list[list]] = {}
        attempts = planned = 0
        while planned < wanted and attempts < 20 * wanted:
            attempts += 1
            record = rng.choices(range(s.records), cum_weights=self.pop_cum)[0]
            queue = queues.setdefault(record, [])
            p = patrons[int(rng.random() * len(patrons))]
            if (
                len(queue) >= cap
                or (p, record) in taken
                or (p, record) in on_loan
                or per_patron.get(p, 0) >= per_patron_cap
            ):
                continue
            taken.add((p, record))
            planned += 1
            per_patron[p] = per_patron.get(p, 0) + 1
            home = self.lib_codes.index(self.patrons[p][1])
            pickup = home if rng.random() < 0.9 else rng.randrange(n_libs)
            placed = now - timedelta(seconds=rng.uniform(3600, 150 * 86400))
            requested = None
            if rng.random() < 0.03:
                k = self.first_item[record] + rng.randrange(self.copies[record])
                requested = k if self.item_type[k] != reference else None
            paused = (
                self.today + timedelta(days=rng.randint(1, 60)) if rng.random() < 0.04 else None
            )
            # [patron idx, record, pickup idx, placed, requested item, paused until, state, item]
            queue.append([p, record, pickup, placed, requested, paused, "waiting", None])
        # The oldest holds of a title caught its copies that were on the shelf.
        caught = 0
        titles = [r for r, q in queues.items() if q]
        rng.shuffle(titles)
        for record in titles:
            queue = queues[record]
            queue.sort(key=lambda h: h[3])
            first = self.first_item[record]
            shelf = [
                k
                for k in range(first, first + self.copies[record])
                if self.item_state[k] == 0 and self.item_type[k] != reference
            ]
            for hold in queue:
                if caught >= caught_quota or not shelf or rng.random() < 0.3:
                    break
                if hold[5] is not None:
                    continue  # paused: skipped, keeps its place
                if hold[4] is not None and hold[4] not in shelf:
                    continue
                item = hold[4] if hold[4] is not None else shelf[0]
                shelf.remove(item)
                pickup = hold[2]
                # Two in three on the hold shelf, the rest on their way (always both kinds).
                if self.item_current[item] == pickup or caught % 3 != 2:
                    hold[6] = "on_hold_shelf"
                    self.item_state[item] = 4
                    self.item_current[item] = pickup
                else:
                    hold[6] = "in_transit"
                    self.item_state[item] = 2
                    self.transfers.append((item, self.item_current[item], pickup, "hold_pickup"))
                hold[7] = item
                caught += 1
        lib_ids = [self.libs[c] for c in self.lib_codes]
        counts = dict.fromkeys(
            ("waiting", "paused", "item_level", "in_transit", "on_hold_shelf"), 0
        )
        hid = 0
        for record in titles:
            for p, rec, pickup, placed, requested, paused, state, item in queues[record]:
                hid += 1
                shelved = deadline = notice = None
                if state == "on_hold_shelf":
                    shelved = now - timedelta(hours=rng.uniform(1, 96))
                    last_day = timezone.localdate(shelved) + timedelta(days=7)
                    deadline = timezone.make_aware(datetime.combine(last_day, datetime.max.time()))
                    notice = shelved
                counts[state] += 1
                counts["paused"] += paused is not None
                counts["item_level"] += requested is not None
                self.hold_rows.append(
                    (
                        hid, p + 1, rec + 1, None if requested is None else requested + 1,
                        lib_ids[pickup], state, placed, int(placed.timestamp() * 1_000_000),
                        paused, None if item is None else item + 1, shelved,
                        deadline.replace(microsecond=0) if deadline else None, None, "",
                        notice, notice,
                    )
                )  # fmt: skip
        # Closed holds: picked up, cancelled or not picked up, over the last two years.
        closed = round(s.holds * CLOSED_SHARE)
        for _ in range(closed):
            hid += 1
            p = patrons[int(rng.random() * len(patrons))]
            record = rng.choices(range(s.records), cum_weights=self.pop_cum)[0]
            placed = now - timedelta(days=rng.uniform(150, 730))
            state = rng.choices(("fulfilled", "cancelled", "expired"), weights=(75, 17, 8))[0]
            pickup = self.lib_codes.index(self.patrons[p][1])
            self.hold_rows.append(
                (
                    hid, p + 1, record + 1, None, lib_ids[pickup], state, placed,
                    int(placed.timestamp() * 1_000_000), None, None, None, None,
                    placed + timedelta(days=rng.uniform(2, 60)),
                    "Ångrad av låntagaren" if state == "cancelled" else "", None, None,
                )
            )  # fmt: skip
        counts["closed"] = closed
        counts["titles_with_queue"] = len(titles)
        counts["longest_queue"] = max(len(q) for q in queues.values())
        self.hold_counts = counts
        self.step(f"planned holds: {counts}")

    def write_holds(self) -> None:
        cols = [
            "id", "patron_id", "record_id", "requested_item_id", "pickup_library_id", "state",
            "placed_at", "queue_key", "suspended_until", "item_id", "shelved_at",
            "pickup_deadline", "closed_at", "cancel_reason", "notice_queued_at", "notice_sent_at",
        ]  # fmt: skip
        n = copy_rows("circulation_hold", cols, self.hold_rows)
        self.step(f"holds written ({n})")

    def write_loans(self) -> None:
        rng, s = self.rng, self.s
        lib_ids = [self.libs[c] for c in self.lib_codes]
        cols = [
            "item_id", "patron_id", "checkout_library_id", "rules_library_id", "checked_out_at",
            "due_at", "renewals", "last_renewed_at", "returned_at", "returned_library_id",
            "end_reason", "staff_id", "override_reason",
        ]  # fmt: skip
        heavy = sorted(self.heavy_history)
        keepers = sorted(self.keeps_history - self.heavy_history)
        # Heavy borrowers' kept histories: 100–1,000 loans each (log-uniform).
        quota = [(p, int(math.exp(rng.uniform(math.log(100), math.log(1000))))) for p in heavy]
        owners = [p + 1 for p, k in quota for _ in range(k)][: s.history]
        five_years = 5 * 365 * 86400

        def rows():
            for item, pid, lib, out, due in self.open_loans:
                lid = lib_ids[lib]
                yield item + 1, pid, lid, lid, out, due, 0, None, None, None, "", None, ""
            for k, item in enumerate(self.history_items):
                if k < len(owners):
                    pid = owners[k]
                elif keepers and rng.random() < 0.1:
                    pid = rng.choice(keepers) + 1
                else:
                    pid = None
                returned = self.now - timedelta(seconds=rng.uniform(86400, five_years))
                out = returned - timedelta(days=rng.uniform(2, 45))
                renewals = 1 if rng.random() < 0.2 else 0
                due = out + timedelta(days=28 * (1 + renewals))
                lib = rng.choice(lib_ids)
                yield (
                    item + 1, pid, lib, lib, out, due, renewals, None, returned, lib,
                    "returned", None, "",
                )  # fmt: skip

        n = copy_rows("circulation_loan", cols, rows())
        self.step(f"loans written ({n})")

    def write_fees_and_transfers(self) -> None:
        from transport import routing
        from transport.selectors import load_network

        rng, now = self.rng, self.now
        lib_ids = [self.libs[c] for c in self.lib_codes]
        fee_patrons = rng.sample(range(1, self.s.patrons + 1), self.s.patrons // 50)
        copy_rows(
            "circulation_fee",
            ["patron_id", "library_id", "kind", "amount", "description", "created_at", "state",
             "waive_reason"],
            (
                (p, rng.choice(lib_ids), "overdue", Decimal(rng.choice((10, 20, 35, 60))),
                 "Försenad återlämning", now - timedelta(days=rng.randint(1, 300)), "open", "")
                for p in fee_patrons
            ),
        )  # fmt: skip
        network = load_network(now=now)
        routes: dict[tuple[int, int], tuple[list, datetime | None, str]] = {}
        for a in range(len(lib_ids)):
            for b in range(len(lib_ids)):
                if a == b:
                    continue
                try:
                    r = routing.plan_route(
                        network,
                        start=self.lib_codes[a],
                        destination=self.lib_codes[b],
                        now=now - timedelta(days=1),
                    )
                    routes[a, b] = (json.dumps([h.as_json() for h in r.hops]), r.arrives, "")
                except routing.NoRoute as refused:
                    routes[a, b] = ("[]", None, refused.message[:300])
        copy_rows(
            "transport_transfer",
            ["item_id", "from_library_id", "to_library_id", "reason", "state", "route",
             "current_hop", "expected_arrival", "planned_at", "route_problem", "created_at"],
            (
                (item + 1, lib_ids[a], lib_ids[b], reason, "in_transit", routes[a, b][0],
                 0, routes[a, b][1], now - timedelta(days=1), routes[a, b][2],
                 now - timedelta(days=1))
                for item, a, b, reason in self.transfers
            ),
        )  # fmt: skip
        self.step(f"fees ({len(fee_patrons)}) and transfers ({len(self.transfers)}) written")
