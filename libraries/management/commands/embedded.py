"""Start or stop the embedded PostgreSQL and Redis (used when no DATABASE_URL/REDIS_URL is set).

Loading the settings already starts them when the variables are unset, so ``start`` just prints
their URLs (e.g. to export them for another tool) and ``stop`` shuts both down, keeping the data.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from config import embedded


class Command(BaseCommand):
    help = "Start (and print the URLs of) or stop the embedded PostgreSQL and Redis."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop"])

    def handle(self, *args, action: str, **options):
        if action == "start":
            self.stdout.write(f"DATABASE_URL={embedded.postgres_url()}")
            self.stdout.write(f"REDIS_URL={embedded.redis_url()}")
        else:
            embedded.stop()
            self.stdout.write(f"stopped the embedded servers; data kept in {embedded.data_dir()}")
