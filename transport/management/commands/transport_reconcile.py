from django.core.management.base import BaseCommand
from django.utils import timezone

from transport.services import reconcile


class Command(BaseCommand):
    help = "Create the missing transfers for items away from home (the nightly reconciliation)."

    def handle(self, *args, **options):
        report = reconcile(now=timezone.now())
        for transfer in report.created:
            self.stdout.write(
                f"{transfer.item.barcode}: {transfer.from_library.code} → "
                f"{transfer.to_library.code} (transfer {transfer.id})"
            )
        for barcode in report.skipped:
            self.stdout.write(f"{barcode}: skipped (already being sent)")
        self.stdout.write(f"{len(report.created)} transfers created")
