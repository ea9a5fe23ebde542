from django.core.management.base import BaseCommand
from django.utils import timezone

from circulation.holds import services as hold_services


class Command(BaseCommand):
    help = "Expire holds not picked up by their deadline; each copy goes to the next hold or home."

    def handle(self, *args, **options):
        expired = hold_services.expire_holds(now=timezone.now())
        self.stdout.write(f"{len(expired)} holds expired")
