from django.core.management.base import BaseCommand
from django.utils import timezone

from transport.services import close_due_packing_lists


class Command(BaseCommand):
    help = "Close the crates whose departure time has come."

    def handle(self, *args, **options):
        n = close_due_packing_lists(now=timezone.now())
        self.stdout.write(f"{n} crates closed")
