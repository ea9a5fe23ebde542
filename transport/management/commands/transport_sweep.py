from django.core.management.base import BaseCommand
from django.utils import timezone

from transport.services import sweep_waiting_transfers


class Command(BaseCommand):
    help = "Plan every waiting transfer (same as the periodic sweep)."

    def handle(self, *args, **options):
        n = sweep_waiting_transfers(now=timezone.now())
        self.stdout.write(f"{n} planned")
