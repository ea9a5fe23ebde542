from django.core.management.base import BaseCommand
from django.utils import timezone

from circulation import privacy


class Command(BaseCommand):
    help = "Cut the link between returned loans and patrons who keep no loan history."

    def add_arguments(self, parser):
        parser.add_argument(
            "--delay-days", type=int, default=None, help="default: RETURNED_LOAN_LINK_DAYS"
        )

    def handle(self, *args, **options):
        n = privacy.unlink_returned_loans(now=timezone.now(), delay_days=options["delay_days"])
        self.stdout.write(f"{n} returned loans unlinked from their patrons")
