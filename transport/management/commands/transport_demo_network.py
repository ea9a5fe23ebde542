from django.core.management.base import BaseCommand

from transport.demo import create_demo_network


class Command(BaseCommand):
    help = "Create the demo transport links from DOMAIN.md (idempotent)."

    def handle(self, *args, **options):
        create_demo_network(stdout=self.stdout)
