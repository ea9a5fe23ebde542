from django.core.management.base import BaseCommand
from django.utils import timezone

from stats import rollups


class Command(BaseCommand):
    help = "Roll up the circulation events of every finished day not rolled up yet."

    def handle(self, *args, **options):
        days = rollups.roll_up(now=timezone.now())
        self.stdout.write("nothing to do" if days is None else f"rolled up {days[0]}..{days[1]}")
