"""manage.py sip2_terminal: create a SIP2 terminal account for a library."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from libraries.models import Library
from sip2.models import Terminal
from sip2.services import create_terminal


class Command(BaseCommand):
    help = "Create a SIP2 terminal: login account, library, institution id, charset, language."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--library", required=True, help="library code, e.g. KGA")
        parser.add_argument("--name", default="")
        parser.add_argument("--institution", default="", help="AO; default the library code")
        parser.add_argument("--location", default="")
        parser.add_argument("--charset", default="utf-8", choices=Terminal.Charset.values)
        parser.add_argument("--language", default="sv", choices=Terminal.Language.values)
        parser.add_argument("--checksums", action="store_true", help="require AY/AZ")
        parser.add_argument("--no-pin", action="store_true", help="do not require patron PINs")

    def handle(self, *args, **options) -> None:
        library = Library.objects.filter(code=options["library"].upper()).first()
        if library is None:
            raise CommandError(f"No library with code {options['library']}")
        terminal = create_terminal(
            username=options["username"],
            password=options["password"],
            library=library,
            name=options["name"],
            institution_id=options["institution"],
            location=options["location"],
            charset=options["charset"],
            language=options["language"],
            checksums_required=options["checksums"],
            pin_required=not options["no_pin"],
        )
        self.stdout.write(f"SIP2 terminal {terminal.user.username} at {library.code} created.")
