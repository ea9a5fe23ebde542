"""Reads for the notice pages."""

from __future__ import annotations

from django.db.models import Count, Q

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
