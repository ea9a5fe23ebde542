"""OPAC login by card number + PIN, the lockout policy, and the patron's session.

Lockout: every wrong PIN adds one to the patron's ``pin_failures`` under a row lock in PostgreSQL,
so all web, API and (later) SIP2 processes share one counter. From the 5th failure on, each
failure locks the account for 15 minutes; the 10th locks it until staff unlock it or reset the
PIN. A wrong PIN while locked is counted too (and renews the lock); a right PIN while locked is
refused and not counted. Each client may try 30 logins in 15 minutes, whatever the cards
(``libraries.throttle``). A card number that no active card has (unknown,
lost, replaced) gets the same answers, counted in Redis, so a stranger cannot tell the cases apart.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from patrons.models import Patron
from patrons.selectors import patron_by_card

SOFT_LIMIT = 5
HARD_LIMIT = 10
SOFT_LOCK = timedelta(minutes=15)

SESSION_PATRON = "opac_patron_id"
SESSION_SEEN = "opac_seen_at"
SEEN_RESOLUTION = 30  # seconds: the idle timeout is exact to within this
SESSION_HASH = "opac_pin_hash"

# Checked against when the card is unknown, so both cases take as long (one per hasher).
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    algorithm = get_hasher().algorithm
    if algorithm not in _DUMMY_HASHES:
        _DUMMY_HASHES[algorithm] = make_password("not-a-pin")
    return _DUMMY_HASHES[algorithm]


class LoginRefused(Exception):
    def __init__(self, reason: str, message) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message


def _refusal(reason: str) -> LoginRefused:
    messages = {
        "invalid": _("The card number or PIN is wrong."),
        "locked": _("Too many failed attempts. Please try again in 15 minutes."),
        "locked_staff": _(
            "Too many failed attempts. "
            "Ask the library to unlock your account or give you a new PIN."
        ),
    }
    return LoginRefused(reason, messages[reason])


def authenticate_patron(*, card_number: str, pin: str, now: datetime) -> Patron:
    """The patron for this card and PIN, or LoginRefused (invalid / locked / locked_staff)."""
    patron = patron_by_card(card_number)
    if patron is None:
        check_password(pin or "", _dummy_hash())
        _unknown_card_attempt(card_number)
    with transaction.atomic():
        row = (
            Patron.objects.select_for_update()
            .only("id", "pin_hash", "pin_failures", "pin_locked_until", "pin_locked_for_staff")
            .get(pk=patron.pk)
        )
        if row.pin_locked_for_staff:
            raise _refusal("locked_staff")
        locked = bool(row.pin_locked_until and row.pin_locked_until > now)
        right = bool(row.pin_hash and pin and check_password(pin, row.pin_hash))
        if right and not locked:
            Patron.objects.filter(pk=row.pk).update(
                pin_failures=0, pin_locked_until=None, last_activity_at=now
            )
            return patron
        if not right:
            # Counted while locked too: guessing during the lock brings the staff lock closer.
            failures = row.pin_failures + 1
            update: dict = {"pin_failures": failures}
            if failures >= HARD_LIMIT:
                update["pin_locked_for_staff"] = True
            elif failures >= SOFT_LIMIT:
                update["pin_locked_until"] = now + SOFT_LOCK
            Patron.objects.filter(pk=row.pk).update(**update)
    # Outside the block, so the counter is committed before the refusal propagates.
    raise _refusal("locked" if locked else "invalid")


def _unknown_card_attempt(card_number: str) -> None:
    """Count failures for a number no active card has, exactly like for a real card."""
    digest = hashlib.sha256(("".join((card_number or "").split())).encode()).hexdigest()[:32]
    count_key, lock_key = f"opac-unknown:{digest}", f"opac-unknown-lock:{digest}"
    try:
        count = cache.get(count_key) or 0
        if count >= HARD_LIMIT:
            raise _refusal("locked_staff")
        locked = bool(cache.get(lock_key))
        cache.add(count_key, 0, timeout=60 * 60 * 24)
        count = cache.incr(count_key)  # counted while locked too, like a real card
        if SOFT_LIMIT <= count < HARD_LIMIT:
            cache.set(lock_key, 1, timeout=int(SOFT_LOCK.total_seconds()))
    except (RedisError, OSError):  # Redis down: no counter for unknown cards, same answer
        raise _refusal("invalid") from None
    raise _refusal("locked" if locked else "invalid")


# --- The session -----------------------------------------------------------------------


def _pin_fingerprint(patron: Patron) -> str:
    """Changes when the PIN changes, so other sessions of the patron end."""
    return salted_hmac("granslos.opac.session", patron.pin_hash or "-").hexdigest()


def login_patron(request: HttpRequest, patron: Patron) -> None:
    """Start a patron session: a new session key (no fixation), the patron's id, the time."""
    request.session.cycle_key()
    request.session[SESSION_PATRON] = patron.pk
    request.session[SESSION_HASH] = _pin_fingerprint(patron)
    request.session[SESSION_SEEN] = time.time()
    request.patron = patron


def refresh_pin_fingerprint(request: HttpRequest, patron: Patron) -> None:
    """After the patron changed their own PIN: keep this session, end the others."""
    request.session.cycle_key()
    request.session[SESSION_HASH] = _pin_fingerprint(patron)


def logout_patron(request: HttpRequest) -> None:
    request.session.flush()
    request.patron = None


def idle_seconds() -> int:
    return int(settings.GRANSLOS.get("OPAC_IDLE_SECONDS", 1800))


def current_patron(request: HttpRequest) -> Patron | None:
    """The logged-in patron, or None (not logged in, idle too long, PIN changed, anonymized)."""
    if hasattr(request, "patron"):
        return request.patron
    patron = None
    patron_id = request.session.get(SESSION_PATRON)
    if patron_id is not None:
        seen = request.session.get(SESSION_SEEN, 0)
        if time.time() - seen > idle_seconds():
            request.session.flush()
        else:
            patron = (
                Patron.objects.current()
                .select_related("category", "home_library")
                .filter(pk=patron_id)
                .first()
            )
            if patron is None or request.session.get(SESSION_HASH) != _pin_fingerprint(patron):
                request.session.flush()
                patron = None
            elif time.time() - seen >= SEEN_RESOLUTION:
                # Not on every page: each write is a session save (Redis) and a new cookie.
                request.session[SESSION_SEEN] = time.time()
    request.patron = patron
    return patron


def patron_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """OPAC pages for a logged-in patron; others go to the login page and come back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if current_patron(request) is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('opac:login')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
