"""One permission table for every way in: staff pages, the API and SIP2.

PURE: no models, no settings, no clock. A staff member holds roles at libraries (the consortium
admin holds one role everywhere); a role grants a set of actions; an action is allowed *at a
library*. Every path asks the same question, ``may(roles, action, library)``:

- staff pages ask it for the working library (``staff_required(Action.X)``),
- the API for the library the call names (``working_library``/``library``), else the session's
  working library (``libraries.permissions.requires(Action.X)``),
- SIP2 for the library of the self-service terminal.

The table is written out for librarians in ``docs/permissions.md``; keep the two in step
(``tests/test_permission_table.py`` checks every URL against it).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """The staff roles (the same values as ``StaffRole.Role``)."""

    DESK = "desk"
    CATALOGUER = "cataloguer"
    LIBRARY_ADMIN = "library_admin"
    CONSORTIUM_ADMIN = "consortium_admin"


class Action(StrEnum):
    """What a staff member does, in a librarian's words."""

    STAFF_AREA = "staff_area"  # staff home, lending rules (read), items, route planner
    CIRCULATE = "circulate"  # check out, check in, renew, loans, lost / claims returned
    PATRON_READ = "patron_read"  # search and read patrons, personal data, personnummer
    PATRON_WRITE = "patron_write"  # register, edit, cards, PINs, unlock, blocks
    HOLDS = "holds"  # place, cancel, pause holds; hold shelf, pick list, slips
    FEES = "fees"  # take payment, waive
    TRANSPORT = "transport"  # transfers, crates, send and receive
    CATALOGUE = "catalogue"  # records, items, MARC import
    OVERRIDE = "override"  # lend despite a refusal (blocks, limits)
    PATRON_ADMIN = "patron_admin"  # merge and remove patrons, the access log
    LIBRARY_ADMIN = "library_admin"  # calendar, lending rules, transport links, floating
    CONSORTIUM_ADMIN = "consortium_admin"  # common rules, settings, Django admin


DESK_ACTIONS = frozenset(
    {
        Action.STAFF_AREA,
        Action.CIRCULATE,
        Action.PATRON_READ,
        Action.PATRON_WRITE,
        Action.HOLDS,
        Action.FEES,
        Action.TRANSPORT,
    }
)
CATALOGUER_ACTIONS = frozenset({Action.STAFF_AREA, Action.CATALOGUE})

# role -> the actions it grants at its library. The consortium admin's apply at every library.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.DESK: DESK_ACTIONS,
    Role.CATALOGUER: CATALOGUER_ACTIONS,
    Role.LIBRARY_ADMIN: DESK_ACTIONS
    | CATALOGUER_ACTIONS
    | {Action.OVERRIDE, Action.PATRON_ADMIN, Action.LIBRARY_ADMIN},
    Role.CONSORTIUM_ADMIN: frozenset(Action),
}

# The least role that grants each action (for messages and docs).
LEAST_ROLE: dict[Action, Role] = {
    action: next(role for role in Role if action in PERMISSIONS[role]) for action in Action
}

# SIP2: the action a self-service terminal's account needs at the terminal's library to log in
# (93), and per request code. A code not listed is not served. 99 (status) and 97 (resend) need
# only a login.
SIP2_LOGIN = Action.CIRCULATE
SIP2_MESSAGES: dict[str, Action] = {
    "23": Action.PATRON_READ,  # patron status
    "63": Action.PATRON_READ,  # patron information
    "35": Action.PATRON_READ,  # end patron session
    "11": Action.CIRCULATE,  # checkout
    "09": Action.CIRCULATE,  # checkin
    "29": Action.CIRCULATE,  # renew
    "65": Action.CIRCULATE,  # renew all
    "17": Action.CIRCULATE,  # item information
    "19": Action.CIRCULATE,  # item status update (the terminal's item properties)
    "15": Action.HOLDS,  # hold
    "37": Action.FEES,  # fee paid
    "01": Action.PATRON_WRITE,  # block patron
    "25": Action.PATRON_WRITE,  # patron enable (lifts blocks terminals set, never staff's)
}

ANYWHERE = None  # ``library`` argument: "at some library" (e.g. a page that lists libraries)


def may(user_roles: Iterable[tuple[int | None, str]], action: Action, library: int | None) -> bool:
    """Whether someone holding ``user_roles`` ((library id or None, role) pairs) may do
    ``action`` at ``library`` (an id), or at some library when ``library`` is None."""
    for role_library, role in user_roles:
        try:
            granted = PERMISSIONS[Role(role)]
        except ValueError:
            continue  # a role this table does not know grants nothing
        if action not in granted:
            continue
        if role == Role.CONSORTIUM_ADMIN:
            return True
        if library is ANYWHERE or role_library == library:
            return True
    return False


def libraries_where(user_roles: Iterable[tuple[int | None, str]], action: Action) -> set[int]:
    """The library ids where ``action`` is allowed (not for consortium admins: everywhere)."""
    return {
        lib
        for lib, role in user_roles
        if lib is not None and role in Role.__members__.values() and action in PERMISSIONS[role]
    }
