"""Load the demo consortium: staff accounts, transport links, lending rules, catalog, patrons.

Idempotent: running it again changes nothing that is already there. Each app owns its demo data
(``<app>/demo.py``); this command creates the staff accounts and calls those loaders in order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from libraries.models import Library, StaffRole

Role = StaffRole.Role
MEMBER_CODES = ("DEG", "HFS", "KGA", "KHM", "STO")

# The app loaders, in dependency order: (module, function, what it loads).
LOADERS = [
    ("libraries.demo", "set_demo_contact_details", "library addresses and opening hours"),
    ("transport.demo", "create_demo_network", "transport links"),
    ("catalog.demo", "load_demo_catalog", "catalog records and items"),
    ("patrons.demo", "create_demo_patrons", "patrons and cards"),
    # Last: besides the rules it lends some demo items to demo patrons.
    ("circulation.demo", "create_demo_rules", "lending rules and loans"),
    # After the loans: patrons wait for titles held elsewhere; targeting fills the pick lists.
    ("circulation.holds.demo", "create_demo_holds", "holds and pick lists"),
]


def demo_staff() -> list[tuple[str, str, str, list[tuple[str | None, str]]]]:
    """(username, password, full name, [(library code or None, role)]) for every demo login."""
    accounts: list[tuple[str, str, str, list[tuple[str | None, str]]]] = []
    for code in MEMBER_CODES:
        lower = code.lower()
        password = f"demo-{lower}"
        # Degerfors and Kristinehamn desk staff also work on the book bus the two share.
        desk_at = (
            [(code, Role.DESK), ("BUS", Role.DESK)]
            if code in {"DEG", "KHM"}
            else [(code, Role.DESK)]
        )
        accounts += [
            (f"desk-{lower}", password, f"Desk {code}", desk_at),
            (f"cat-{lower}", password, f"Cataloguer {code}", [(code, Role.CATALOGUER)]),
            (f"admin-{lower}", password, f"Admin {code}", [(code, Role.LIBRARY_ADMIN)]),
        ]
    accounts.append(("pool", "demo-pool", "Pool Staff", [("DEG", Role.DESK), ("STO", Role.DESK)]))
    accounts.append(
        ("consortium", "demo-consortium", "Consortium Admin", [(None, Role.CONSORTIUM_ADMIN)])
    )
    return accounts


def demo_logins() -> str:
    """The demo logins as the run command prints them."""
    lines = ["  Staff desk (user / password):"]
    for username, password, _name, roles in demo_staff():
        where = ", ".join(code or "all libraries" for code, _ in roles)
        with translation.override("en"):
            role = str(Role(roles[0][1]).label).lower()
        if username.endswith(("-kga", "-khm")) or username in {"pool", "consortium"}:
            lines.append(f"    {username:<12} {password:<17} {role}, {where}")
    lines.append("    (likewise desk-, cat-, admin- for deg, hfs, sto; password demo-<code>)")
    from patrons.demo import DEMO_PIN, demo_cards

    lines.append(f"  OPAC (card number / PIN {DEMO_PIN}):")
    lines += [f"    {number}  {name}" for name, number in demo_cards().items()]
    return "\n".join(lines)


@transaction.atomic
def create_demo_staff() -> int:
    """Create the demo staff accounts and their roles; returns how many accounts were new."""
    user_model = get_user_model()
    libraries = {lib.code: lib for lib in Library.objects.all()}
    created = 0
    for username, password, full_name, roles in demo_staff():
        first, _, last = full_name.partition(" ")
        user, is_new = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if is_new:
            user.set_password(password)
            user.is_staff = any(role == Role.CONSORTIUM_ADMIN for _, role in roles)
            user.save(update_fields=["password", "is_staff"])
            created += 1
        for code, role in roles:
            StaffRole.objects.get_or_create(
                user=user, library=libraries[code] if code else None, role=role
            )
    return created


def find_loader(module: str, function: str) -> Callable[..., object]:
    """Imported when called: each app's demo module loads its own models."""
    return getattr(importlib.import_module(module), function)


class Command(BaseCommand):
    help = "Load the demo consortium (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins", action="store_true", help="only print the demo logins, load nothing"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has staff accounts or catalog records",
        )

    def handle(self, *args, if_empty: bool = False, logins: bool = False, **options):
        if logins:
            self.stdout.write(demo_logins())
            return
        if if_empty and self.has_data():
            self.stdout.write("demo data: the database already has data, not seeding")
            return
        created = create_demo_staff()
        self.stdout.write(f"demo staff: {created} new accounts ({len(demo_staff())} in all)")
        for module, function, what in LOADERS:
            loader = find_loader(module, function)
            result = loader(stdout=self.stdout)  # every loader: keyword-only stdout, idempotent
            self.stdout.write(f"demo {what}: done" + (f" ({result})" if result else ""))
        self.stdout.write(self.style.SUCCESS("demo consortium loaded"))

    @staticmethod
    def has_data() -> bool:
        from catalog.models import Record

        return get_user_model().objects.exists() or Record.objects.exists()
