"""Celery jobs of the weeding plan (tasks take ids; the work is in collection.services)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task
def build_weeding_list(*, list_id: int) -> int:
    from collection import services

    wl = services.build_list(list_id)
    return wl.candidates.count() if wl is not None else 0


@shared_task
def build_queued_weeding_lists() -> int:
    """The second net: lists whose job was never queued (broker down) or died half-way."""
    from collection.models import WeedingList
    from collection.services import build_list

    stale = timezone.now() - timedelta(minutes=2)
    ids = list(
        WeedingList.objects.filter(
            state__in=[WeedingList.State.QUEUED, WeedingList.State.FAILED], created_at__lt=stale
        ).values_list("pk", flat=True)[:20]
    )
    for list_id in ids:
        build_list(list_id)
    return len(ids)
