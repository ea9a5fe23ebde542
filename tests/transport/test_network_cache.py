"""The per-process network snapshot follows committed changes and ignores rolled-back ones."""

from __future__ import annotations

import pytest
from django.db import transaction

from transport import network_cache
from transport.demo import create_demo_network
from transport.models import FloatingRule, TransportLink

from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)
NOW = at("2025-03-10 10:15")


def link_ids() -> set[int]:
    return {link.id for link in network_cache.snapshot(now=NOW).network.links}


def test_snapshot_is_reused_until_a_change_is_committed(django_assert_num_queries, libraries):
    create_demo_network()
    before = link_ids()
    with django_assert_num_queries(0):
        assert link_ids() == before  # served from this process's copy
    link = TransportLink.objects.get(id=min(before))
    with transaction.atomic():
        link.active = False
        link.save(update_fields=["active"])
    assert link_ids() == before - {link.id}


def test_another_process_change_is_seen_through_the_version_key(libraries, monkeypatch):
    monkeypatch.setattr(network_cache._snapshot, "check_every", 0)  # ask Redis every time
    create_demo_network()
    before = link_ids()
    # Another process committed a change: it bumped the version key in Redis. Our copy is old.
    TransportLink.objects.filter(id=min(before)).update(active=False)  # no signal
    assert link_ids() == before  # we cannot know yet
    from django.core.cache import cache

    cache.set(network_cache.VERSION_KEY, "changed-elsewhere", timeout=None)
    assert link_ids() == before - {min(before)}


def test_a_rolled_back_change_is_not_kept(libraries):
    create_demo_network()
    assert not network_cache.snapshot(now=NOW).floating
    with pytest.raises(RuntimeError), transaction.atomic():
        FloatingRule.objects.create(library=libraries["KHM"], item_type=None)
        assert (libraries["KHM"].id, None) in network_cache.snapshot(now=NOW).floating
        raise RuntimeError("roll back")
    assert not network_cache.snapshot(now=NOW).floating
