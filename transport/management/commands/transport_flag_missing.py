from django.core.management.base import BaseCommand
from django.utils import timezone

from transport.services import flag_missing_transits


class Command(BaseCommand):
    help = "Put overdue transits on the missing-in-transport list."

    def handle(self, *args, **options):
        n = len(flag_missing_transits(now=timezone.now()))
        self.stdout.write(f"{n} transfers flagged missing")
