from celery import shared_task
from django.db import connection


@shared_task
def heartbeat() -> int:
    """Proves the worker reaches PostgreSQL; returns the number of member libraries."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM libraries_library")
        return cursor.fetchone()[0]
