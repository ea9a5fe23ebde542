from django.core.management.base import BaseCommand
from django.utils import timezone

from circulation import privacy


class Command(BaseCommand):
    help = "Anonymize patrons inactive for a long time who have no loans and no debt."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="default: ANONYMIZE_INACTIVE_DAYS"
        )

    def handle(self, *args, **options):
        report = privacy.anonymize_inactive(now=timezone.now(), days=options["days"])
        self.stdout.write(
            f"{report.anonymized} patrons anonymized; "
            f"{report.kept_for_open_business} inactive patrons kept (open loans or debt)"
        )
