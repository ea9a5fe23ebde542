"""The staff login backend: Django's ModelBackend, with the user of a logged-in session read
from a per-process copy instead of PostgreSQL on every request.

Every staff request starts by loading its user (``AuthenticationMiddleware`` →
``backend.get_user``): one query, about 1 ms with the ORM, on every scan at the desk. Users
change rarely (a login stamps ``last_login``; an admin deactivates someone; a password
changes), so each thread keeps the users it has loaded, checked against a version key in Redis
(``libraries.snapshots``). Any save or delete of a user bumps the version after commit
(``libraries.apps`` connects the signals), so a deactivated user or a changed password (the
session hash) is seen at the next request of every process; a raw SQL edit within five minutes.
Nothing about users is written to Redis but the version number.
"""

from __future__ import annotations

import copy
from datetime import date

from django.contrib.auth.backends import ModelBackend

from libraries.snapshots import VersionedSnapshot

VERSION_KEY = "auth:users-version"

_users: VersionedSnapshot[dict] = VersionedSnapshot(VERSION_KEY, lambda _day: {})


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        users = _users.get(date.min)
        user = users.get(user_id)
        if user is None:
            user = super().get_user(user_id)  # None when unknown or inactive
            if user is None:
                return None
            users[user_id] = user
        # A copy per request: a view may set attributes on request.user.
        return copy.copy(user)


def connect() -> None:
    from django.contrib.auth import get_user_model

    _users.connect(get_user_model(), uid="auth-users")


invalidate = _users.invalidate
reset = _users.reset
