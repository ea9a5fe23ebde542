"""Sliding session expiry without a session write on every request.

Sessions live in Redis and expire ``SESSION_COOKIE_AGE`` seconds after their last save (the
idle timeout of a staff session). Django's ``SESSION_SAVE_EVERY_REQUEST`` renews that with a
write (pickle + Redis SET + a new cookie) on every request; a desk scanning a book every few
seconds does not need that. This middleware marks a session that holds data as modified when it
was last renewed more than ``refresh_interval()`` ago (a minute, or a quarter of the age when
that is shorter), so the session still ends ``SESSION_COOKIE_AGE`` (less at most that interval)
after the last request. Anonymous visitors get no session from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

RENEWED_AT = "_renewed_at"


def refresh_interval() -> float:
    return min(60.0, settings.SESSION_COOKIE_AGE / 4)


def sliding_expiry(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.modified or session.is_empty():
            return response
        now = time.time()
        if now - session.get(RENEWED_AT, 0) >= refresh_interval():
            session[RENEWED_AT] = now  # saved (and its expiry renewed) by SessionMiddleware
        return response

    return middleware
