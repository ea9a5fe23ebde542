"""The per-process copy of lending rules, calendars and settings follows committed changes,
ignores rolled-back ones, and sees other processes' changes through the version key."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.core.cache import cache
from django.db import transaction

from catalog.models import ItemType
from circulation import config_cache
from circulation.models import LoanRule
from libraries import calendar as cal
from libraries.models import CalendarException, ConsortiumSettings, Library

pytestmark = pytest.mark.django_db(transaction=True)


def dvd_days(library: Library, dvd: ItemType) -> int:
    return (
        config_cache.config()
        .effective(library_id=library.pk, category_id=None, item_type_id=dvd.pk)
        .loan_period_days
    )


def test_the_copy_is_reused_until_a_change_is_committed(django_assert_num_queries):
    kga, dvd = Library.objects.get(code="KGA"), ItemType.objects.get(code="DVD")
    before = dvd_days(kga, dvd)
    with django_assert_num_queries(0):
        assert dvd_days(kga, dvd) == before  # this process's copy: no SQL
    with transaction.atomic():
        LoanRule.objects.create(library=kga, item_type=dvd, loan_period_days=3)
    assert before != 3 and dvd_days(kga, dvd) == 3


def test_another_process_change_is_seen_through_the_version_key(monkeypatch):
    monkeypatch.setattr(config_cache._snapshot, "check_every", 0.3)
    sto = Library.objects.get(code="STO")
    config_cache.config()
    # Another process changed the settings (no signal here) and bumped the version key.
    ConsortiumSettings.objects.filter(id=1).update(overdue_block_days=99)
    cache.set(config_cache.VERSION_KEY, "changed-elsewhere", timeout=None)
    # Within check_every of the last version check this thread does not ask Redis again ...
    assert config_cache.config().consortium.overdue_block_days != 99
    time.sleep(0.35)
    # ... after it, it does, and rebuilds.
    assert config_cache.config().consortium.overdue_block_days == 99
    assert config_cache.config().library(sto.pk).code == "STO"


def test_a_rolled_back_change_is_not_kept():
    kga = Library.objects.get(code="KGA")
    christmas = date(2031, 12, 23)
    assert cal.is_open(config_cache.config().calendar(kga.pk), christmas)
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarException.objects.create(library=kga, date=christmas, is_open=False)
        assert not cal.is_open(config_cache.config().calendar(kga.pk), christmas)  # seen here
        raise RuntimeError("roll back")
    assert cal.is_open(config_cache.config().calendar(kga.pk), christmas)


def test_instances_handed_out_are_copies():
    kga = Library.objects.get(code="KGA")
    mine = config_cache.config().library(kga.pk)
    mine.name = "Changed by one caller"
    assert config_cache.config().library(kga.pk).name == kga.name
