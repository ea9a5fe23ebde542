"""Reads for the notice pages and the hold-ready sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q

from circulation.holds.models import Hold
from notices.models import Channel, LetterBatch, Notice, NoticeTemplate


def notices_of_patron(patron_id: int, *, limit: int = 50) -> list[Notice]:
    """What was sent to a patron: kind, channel, times and state — never the content."""
    return list(Notice.objects.filter(patron_id=patron_id).order_by("-created_at", "-id")[:limit])


def letters_of_library(library_id: int) -> dict:
    pending = Notice.objects.filter(
        library_id=library_id, channel=Channel.LETTER, state=Notice.State.PENDING
    ).count()
    batches = list(
        LetterBatch.objects.filter(library_id=library_id)
        .annotate(letters=Count("notices"))
        .order_by("-created_at")[:20]
    )
    return {"pending": pending, "batches": batches}


def failed_notices(library_id: int) -> int:
    return Notice.objects.filter(
        Q(state=Notice.State.FAILED) | Q(state=Notice.State.RETRYING), library_id=library_id
    ).count()


def edited_templates() -> set[tuple[str, str]]:
    return set(NoticeTemplate.objects.values_list("kind", "language"))


# A hold-ready notice is queued when the copy is shelved; one still missing after this long lost
# its task (the broker was down) and the sweep sends it.
HOLD_READY_GRACE = timedelta(minutes=10)


def holds_missing_ready_notice(*, now: datetime, limit: int = 500) -> list[int]:
    """Holds on a hold shelf for longer than ``HOLD_READY_GRACE`` without their notice."""
    return list(
        Hold.objects.filter(
            state=Hold.State.ON_HOLD_SHELF,
            notice_sent_at__isnull=True,
            shelved_at__lt=now - HOLD_READY_GRACE,
        )
        .order_by("shelved_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
