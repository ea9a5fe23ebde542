"""The generator itself: fixed data through the ORM, then the plan and one COPY per table in
one transaction (see bench/generator/__init__.py)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench.generator.catalogue import CatalogueMixin
from bench.generator.circulation import CirculationMixin
from bench.generator.people import PatronMixin
from bench.generator.shape import BENCH_PASSWORD, BENCH_USER, BIG_TABLES, Scale
from bench.generator.sql import _secondary_indexes, _skip_foreign_key_triggers, _sql


class Generator(CatalogueMixin, PatronMixin, CirculationMixin):
    def __init__(
        self, scale: Scale, *, seed: int = 2025, log: Callable[[str], None] = print
    ) -> None:
        self.s = scale
        self.rng = random.Random(seed)
        self.log = log
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.t0 = time.perf_counter()

    def step(self, what: str) -> None:
        self.log(f"[{time.perf_counter() - self.t0:7.1f}s] {what}")

    # The fixed data and the rule matrix go through the ORM (a few dozen rows).
    def setup(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from catalog.models import ItemType
        from circulation import defaults
        from circulation.models import LoanRule
        from libraries.consortium import ensure_all
        from libraries.models import Library, StaffRole
        from patrons.models import PatronCategory
        from transport.demo import create_demo_network

        ensure_all()
        defaults.ensure_all()
        create_demo_network()
        self.libs = {lib.code: lib.id for lib in Library.objects.all()}
        self.types = {t.code: t.id for t in ItemType.objects.all()}
        self.cats = {c.code: c.id for c in PatronCategory.objects.all()}
        lib, cat, typ = self.libs, self.cats, self.types
        matrix = [
            # common (consortium) rules per category and item type
            (None, cat["INST"], None, {"loan_period_days": 56, "max_loans_total": 2000,
                                       "max_loans_of_type": 2000, "max_renewals": 5}),
            (None, cat["SENIOR"], None, {"fine_per_day": Decimal("3.00")}),
            (None, cat["YOUTH"], None, {"fine_per_day": Decimal("2.00"),
                                        "fine_cap": Decimal("40.00")}),
            (None, None, typ["DVD"], {"loan_period_days": 14, "max_loans_of_type": 10,
                                      "max_renewals": 1}),
            (None, None, typ["GAME"], {"loan_period_days": 21, "max_loans_of_type": 5}),
            (None, None, typ["PERIODICAL"], {"loan_period_days": 14}),
            (None, None, typ["LANGCOURSE"], {"loan_period_days": 42}),
            (None, cat["CHILD"], typ["DVD"], {"max_loans_of_type": 3}),
            # local overrides
            (lib["KGA"], None, typ["DVD"], {"loan_period_days": 7}),
            (lib["STO"], cat["ADULT"], None, {"max_loans_total": 30}),
            (lib["HFS"], None, None, {"loan_period_days": 35, "grace_days": 2}),
            (lib["KHM"], cat["CHILD"], None, {"max_loans_total": 30}),
            (lib["DEG"], None, typ["AUDIOBOOK"], {"loan_period_days": 21}),
            (lib["BUS"], None, None, {"loan_period_days": 42}),
        ]  # fmt: skip
        for library_id, category_id, item_type_id, values in matrix:
            LoanRule.objects.update_or_create(
                library_id=library_id,
                patron_category_id=category_id,
                item_type_id=item_type_id,
                defaults=values,
            )
        user, created = get_user_model().objects.get_or_create(
            username=BENCH_USER, defaults={"first_name": "Bench", "is_staff": True}
        )
        if created:
            user.set_password(BENCH_PASSWORD)
            user.save(update_fields=["password"])
        for library_id in lib.values():
            StaffRole.objects.get_or_create(
                user=user, library_id=library_id, role=StaffRole.Role.DESK
            )
        Token.objects.get_or_create(user=user)

    def finish(self) -> None:
        for table in BIG_TABLES:
            _sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )

    def run(self) -> dict:
        self.setup()
        self.step("fixed data, rule matrix and bench user ready")
        self.plan_catalogue()
        self.plan_patrons()
        self.plan_circulation()
        self.plan_holds()
        with transaction.atomic():
            _sql("SET LOCAL maintenance_work_mem = '512MB'")
            _sql("SET LOCAL synchronous_commit = off")
            _skip_foreign_key_triggers()
            indexes = _secondary_indexes()
            for name, _definition in indexes:
                _sql(f'DROP INDEX "{name}"')
            self.step(f"dropped {len(indexes)} secondary indexes for the load")
            self.write_records()
            self.write_patrons()
            self.write_items()
            self.write_loans()
            self.write_fees_and_transfers()
            self.write_holds()
            self.finish()
            for _name, definition in indexes:
                _sql(definition)
            self.step(f"rebuilt {len(indexes)} indexes")
        with connection.cursor() as cursor:
            for table in BIG_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.step("vacuum analyze done")
        return {
            "records": self.s.records,
            "items": self.item_count,
            "patrons": self.patron_count,
            "open_loans": len(self.open_loans),
            "returned_loans": self.s.history,
            "transfers": len(self.transfers),
            "holds": self.hold_counts,
            "seconds": round(time.perf_counter() - self.t0, 1),
        }
