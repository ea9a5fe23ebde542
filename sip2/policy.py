"""Who may send which SIP2 message: one small table, in the project's staff roles.

A terminal's login account is a staff user; its roles at the terminal's library
(``libraries.access``) decide. A library admin implies desk staff, as at the desk.
"""

from __future__ import annotations

from libraries.models import StaffRole

Role = StaffRole.Role

# The role needed at the terminal's library to log in at all.
LOGIN_ROLE = Role.DESK

# Request code -> role needed at the terminal's library. Codes not listed need LOGIN_ROLE.
MESSAGE_ROLES: dict[str, str] = {
    "23": Role.DESK,  # patron status
    "63": Role.DESK,  # patron information
    "11": Role.DESK,  # checkout
    "09": Role.DESK,  # checkin
    "29": Role.DESK,  # renew
    "65": Role.DESK,  # renew all
    "17": Role.DESK,  # item information
    "35": Role.DESK,  # end patron session
    "15": Role.DESK,  # hold
    "37": Role.DESK,  # fee paid
    "01": Role.DESK,  # block patron
    "19": Role.DESK,  # item status update
}


def role_for(code: str) -> str:
    return MESSAGE_ROLES.get(code, LOGIN_ROLE)
