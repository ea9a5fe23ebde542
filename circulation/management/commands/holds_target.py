from django.core.management.base import BaseCommand
from django.utils import timezone

from circulation.holds import targeting as hold_targeting


class Command(BaseCommand):
    help = "Put the waiting holds' copies on the libraries' pick lists (hämtlistor)."

    def handle(self, *args, **options):
        report = hold_targeting.run_targeting(now=timezone.now())
        self.stdout.write(
            f"{report.holds_considered} waiting holds, {report.targeted} put on pick lists, "
            f"{report.cleared} stale pick-list lines cleared"
        )
