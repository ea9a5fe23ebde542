from celery import shared_task
from django.utils import timezone

from stats import rollups


@shared_task
def roll_up_events() -> str | None:
    """Beat: roll up the finished days not rolled up yet (idempotent)."""
    days = rollups.roll_up(now=timezone.now())
    return None if days is None else f"{days[0]}..{days[1]}"
