"""Records and items: planning copies by Zipf popularity, writing records (MARC and search
vector) and items with COPY. A mixin of ``Generator`` (bench/generator/core.py)."""

from __future__ import annotations

import math
from array import array
from datetime import timedelta
from decimal import Decimal

from bench import vocabulary as voc
from bench.generator.shape import (
    LANGUAGES,
    MEDIA,
    POPULATION,
)
from bench.generator.sql import _cumulative, copy_rows, isbn13, iso2709, sub


class CatalogueMixin:
    def plan_catalogue(self) -> None:
        s, rng = self.s, self.rng
        n = s.records
        ranks = list(range(1, n + 1))
        rng.shuffle(ranks)
        # Zipf popularity: record i is borrowed in proportion to 1/rank.
        self.popularity = [1.0 / r for r in ranks]
        cum = []
        total = 0.0
        for p in self.popularity:
            total += p
            cum.append(total)
        self.pop_cum = cum
        self.media = rng.choices(
            range(len(MEDIA)), weights=[m[2] for m in MEDIA], k=n
        )  # index into MEDIA
        # Copies: one each, then the rest by sqrt-popularity (popular titles have more copies).
        copies = array("H", [1]) * n
        extra = s.items - n
        sq_cum = list(_cumulative(math.sqrt(p) for p in self.popularity))
        picked = 0
        while picked < extra:
            for idx in rng.choices(range(n), cum_weights=sq_cum, k=extra - picked):
                if copies[idx] < 30:
                    copies[idx] += 1
                    picked += 1
        self.copies = copies
        libs = list(POPULATION)
        weights = [POPULATION[c] for c in libs]
        self.item_record = array("i")
        self.item_home = array("b")
        self.first_item = array("i")  # per record: index of its first item
        lib_index = {code: i for i, code in enumerate(libs)}
        self.lib_codes = libs
        for idx in range(n):
            self.first_item.append(len(self.item_record))
            homes = rng.choices(libs, weights=weights, k=copies[idx])
            for code in homes:
                self.item_record.append(idx)
                self.item_home.append(lib_index[code])
        self.item_count = len(self.item_record)
        # What happens to each item: 0 available, 1 on loan, 2 in transit, 3 reference/other.
        self.item_state = array("b", [0]) * self.item_count
        self.item_current = array("b", self.item_home)
        self.item_loans = array("i", [0]) * self.item_count
        self.item_last = [None] * self.item_count
        self.step(f"planned {n} records, {self.item_count} items")

    def pick_items(self, k: int) -> list[int]:
        """``k`` item indexes, popular titles more often (with repetition)."""
        recs = self.rng.choices(range(self.s.records), cum_weights=self.pop_cum, k=k)
        rnd = self.rng.random
        return [self.first_item[r] + int(rnd() * self.copies[r]) for r in recs]

    def write_records(self) -> None:
        from catalog.text import search_vector

        rng, s = self.rng, self.s
        # library ids per record
        lib_ids = [self.libs[c] for c in self.lib_codes]
        cols = [
            "id", "marc", "control_number", "control_source", "system_numbers", "title",
            "subtitle", "responsibility", "title_sort", "authors", "author_sort", "isbns",
            "issns", "year", "publisher", "language", "languages", "media_type", "audience",
            "subjects", "sab", "dewey", "series", "summary", "library_ids", "created_at",
            "updated_at", "search_vector",
        ]  # fmt: skip
        words = voc.TITLE_WORDS
        word_cum = list(_cumulative(1.0 / (i + 1) ** 0.8 for i in range(len(words))))
        lang_codes = [code for code, _w in LANGUAGES]
        lang_w = [w for _c, w in LANGUAGES]
        now = self.now

        def title() -> str:
            k = rng.randint(1, 4)
            parts = rng.choices(words, cum_weights=word_cum, k=k)
            if rng.random() < 0.002:
                parts.append(rng.choice(voc.RARE_WORDS))
            if k >= 2 and rng.random() < 0.35:
                parts.insert(1, rng.choice(voc.CONNECTORS))
            elif rng.random() < 0.2:
                parts.insert(0, rng.choice(("och", "om", "en", "ett")))
            return " ".join(parts).capitalize()

        def rows():
            for idx in range(s.records):
                rid = idx + 1
                media, _type, _share = MEDIA[self.media[idx]]
                first, last = rng.choice(voc.FIRST_NAMES), rng.choice(voc.LAST_NAMES)
                author = f"{last}, {first}"
                t = title()
                sub_t = title() if rng.random() < 0.25 else ""
                year = min(self.today.year, int(2024 - rng.expovariate(1 / 15)))
                year = max(1890, year)
                lang = rng.choices(lang_codes, weights=lang_w)[0]
                audience = rng.choices(("adult", "youth", "children"), weights=(70, 10, 20))[0]
                subjects = rng.sample(voc.SUBJECTS, rng.randint(1, 3))
                publisher = rng.choice(voc.PUBLISHERS)
                isbn = isbn13(rid) if media in ("book", "audiobook") else ""
                summary = (
                    " ".join(rng.choices(words, cum_weights=word_cum, k=25)).capitalize() + "."
                    if rng.random() < 0.3
                    else ""
                )
                control = f"GS{rid:09d}"
                aud = {"adult": " ", "youth": "d", "children": "j"}[audience]
                fields = [
                    ("001", control),
                    ("003", "GRANSLOS"),
                    ("008", f"200101s{year}    sw ||||{aud}     |00| 0|{lang} d"),
                ]
                if isbn:
                    fields.append(("020", "  " + sub(a=isbn)))
                fields.append(("100", "1 " + sub(a=author)))
                t245 = {"a": t, "b": sub_t} if sub_t else {"a": t}
                fields.append(("245", "10" + sub(**t245, c=f"{first} {last}")))
                fields.append(("264", " 1" + sub(b=publisher, c=str(year))))
                if summary:
                    fields.append(("520", "  " + sub(a=summary)))
                fields += [("650", " 7" + sub(a=x)) for x in subjects]
                marc = iso2709(fields)
                start = self.first_item[idx]
                holders = sorted(
                    {lib_ids[self.item_home[i]] for i in range(start, start + self.copies[idx])}
                )
                yield (
                    rid, marc, control, "GRANSLOS", [], t, sub_t, f"{first} {last}",
                    t.lower()[:255], [author], author.lower(), [isbn] if isbn else [], [], year,
                    publisher, lang, [lang], media, audience, subjects, "Hc", "", "", summary,
                    holders, now, now,
                    search_vector(
                        title=t, subtitle=sub_t, authors=[author], subjects=subjects,
                        responsibility=f"{first} {last}", publisher=publisher, summary=summary,
                        sab="Hc", isbns=[isbn] if isbn else [], language=lang,
                    ),
                )  # fmt: skip

        # The search vector is built in Python (catalog.text, as every import does) and copied
        # with its row.
        copy_rows("catalog_record", cols, rows())
        self.step("records copied with their search vectors")

    def write_items(self) -> None:
        rng, now = self.rng, self.now
        lib_ids = [self.libs[c] for c in self.lib_codes]
        status = {0: "available", 1: "on_loan", 2: "in_transit", 4: "on_hold_shelf"}
        cols = [
            "id", "record_id", "barcode", "home_library_id", "current_library_id", "item_type_id",
            "shelf_location", "call_number", "status", "price", "acquired_on", "last_borrowed_at",
            "loan_count", "public_note", "created_at", "updated_at",
        ]  # fmt: skip
        lost = set(rng.sample(range(self.item_count), self.item_count // 500))

        def rows():
            for i in range(self.item_count):
                st = status[self.item_state[i]]
                if st == "available" and i in lost:
                    st = rng.choice(("missing", "lost", "withdrawn"))
                yield (
                    i + 1, self.item_record[i] + 1, str(3_000_000_000 + i + 1),
                    lib_ids[self.item_home[i]], lib_ids[self.item_current[i]], self.item_type[i],
                    "Vuxen", "Hc", st, Decimal("249.00"),
                    self.today - timedelta(days=rng.randint(0, 7000)), self.item_last[i],
                    self.item_loans[i], "", now, now,
                )  # fmt: skip

        copy_rows("catalog_item", cols, rows())
        self.step(f"items written ({self.item_count})")
