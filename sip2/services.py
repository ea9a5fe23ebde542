"""Terminal accounts: create one (a staff user with the desk role at its library + its
SIP2 settings). Admins edit them later in the admin (SIP2 terminals)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from libraries.models import Library, StaffRole
from sip2 import policy
from sip2.models import Terminal


@transaction.atomic
def create_terminal(*, username: str, password: str, library: Library, **settings) -> Terminal:
    """A login account for a machine, with the role its messages need at ``library``."""
    user = get_user_model().objects.create_user(username=username, password=password)
    StaffRole.objects.create(user=user, library=library, role=policy.LOGIN_ROLE)
    return Terminal.objects.create(user=user, library=library, **settings)


@transaction.atomic
def set_terminal_password(*, terminal: Terminal, password: str) -> None:
    user = terminal.user
    user.set_password(password)
    user.save(update_fields=["password"])
