"""Daily rollups equal a direct count of the events, whatever was rolled up already."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Count

from events.models import CirculationEvent, Kind
from stats import rollups, selectors
from stats.models import DailyRollup, RollupState
from tests.stats.conftest import at

pytestmark = pytest.mark.django_db
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def direct(kinds, group_by):
    rows = (
        CirculationEvent.objects.filter(kind__in=kinds, day__range=MARCH)
        .values(*group_by)
        .annotate(n=Count("id"))
    )
    return {tuple(r[g] for g in group_by): r["n"] for r in rows}


def via_selector(kinds, group_by):
    sums = selectors.event_sums(kinds=kinds, start=MARCH[0], end=MARCH[1], group_by=group_by)
    return {s.key: s.events for s in sums}


GROUPINGS = [
    ("library_id",),
    ("library_id", "kind"),
    ("owning_library_id", "library_id"),
    ("patron_municipality", "library_id"),
    ("media_type", "audience", "kind"),
    ("other_library_id", "library_id"),
    ("owning_library_id", "item_type_id"),
    ("library_id", "patron_category_id", "age_band"),
]


@pytest.mark.parametrize("group_by", GROUPINGS)
@pytest.mark.parametrize("rolled_through", [None, 1, 2, 31])
def test_rollups_plus_raw_events_equal_a_direct_count(history, group_by, rolled_through):
    if rolled_through is not None:
        rollups.roll_up(now=at(rolled_through) + timedelta(days=1))
    kinds = [k.value for k in Kind]
    assert via_selector(kinds, group_by) == direct(kinds, group_by)


def test_roll_up_takes_the_finished_days_and_is_idempotent(history):
    assert rollups.roll_up(now=at(4, 10)) == (date(2025, 3, 1), date(2025, 3, 3))
    first = sorted(
        DailyRollup.objects.filter(grain="library").values_list(
            "day", "kind", "library_id", "events"
        )
    )
    assert rollups.roll_up(now=at(4, 11)) is None
    assert RollupState.objects.get().complete_through == date(2025, 3, 3)
    rollups.rebuild(start=date(2025, 3, 1), end=date(2025, 3, 3))
    again = DailyRollup.objects.filter(grain="library")
    assert sorted(again.values_list("day", "kind", "library_id", "events")) == first
    assert (
        sum(r[3] for r in first)
        == CirculationEvent.objects.filter(day__lt=date(2025, 3, 4)).count()
    )


def test_durations_are_summed_for_means(history):
    rollups.roll_up(now=at(10))
    [ready] = selectors.event_sums(
        kinds=[Kind.HOLD_READY], start=MARCH[0], end=MARCH[1], group_by=("library_id",)
    )
    assert ready.mean_duration == 2 * 86400


def test_the_beat_task_rolls_up(history):
    from stats.tasks import roll_up_events

    roll_up_events()  # today: every March 2025 day is finished
    assert RollupState.objects.get().complete_through >= date(2025, 3, 4)
    assert DailyRollup.objects.filter(day=date(2025, 3, 4), grain="library").get().events == 1


def test_every_grouping_has_a_grain_and_others_are_refused():
    assert rollups.grain_for(["library_id", "kind"]) == "library"
    assert rollups.grain_for(["owning_library_id", "library_id"]) == "owning"
    with pytest.raises(ValueError):
        rollups.grain_for(["item_type_id", "age_band"])
