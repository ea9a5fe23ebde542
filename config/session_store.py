"""Sessions in Redis, and in PostgreSQL while Redis is down.

Normally a session lives in Redis only (no SQL statement to load or save it; see
``config.sessions`` for how seldom it is saved). When Redis cannot be reached, a session is
saved to and loaded from Django's session table instead, so staff and patrons can still log
in and work; the sessions that were in Redis are lost (their owners log in again). A session
started in PostgreSQL stays there until it ends. For as long as a session may live after this
process last saw Redis down (``SESSION_COOKIE_AGE``), a session not found in Redis is looked
for in PostgreSQL too (one statement, only on that path).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.backends.cache import SessionStore as CacheStore
from django.contrib.sessions.backends.db import SessionStore as DbStore
from django.db import IntegrityError, transaction

from config.cache import REDIS_DOWN, health


class SessionStore(CacheStore):
    _in_db = False

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except REDIS_DOWN:
            return self._load_from_db()
        if data is not None:
            return data
        if health.down_within(settings.SESSION_COOKIE_AGE):
            return self._load_from_db()
        self._session_key = None
        return {}

    def _load_from_db(self):
        db = DbStore(self.session_key)
        data = db.load()
        if db.session_key is None:  # unknown or expired
            self._session_key = None
            return {}
        self._in_db = True
        return data

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        if self._in_db and not must_create:
            return self._save_to_db(must_create=False)
        try:
            return super().save(must_create)
        except REDIS_DOWN:
            return self._save_to_db(must_create=must_create)

    def _save_to_db(self, *, must_create: bool) -> None:
        data = self._get_session(no_load=must_create)
        db = DbStore(self.session_key)
        db._session_cache = data  # its expiry is read from the data, not loaded again
        row = db.create_model_instance(data)
        if must_create:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                raise CreateError from None
        else:
            db.model.objects.update_or_create(
                session_key=row.session_key,
                defaults={"session_data": row.session_data, "expire_date": row.expire_date},
            )
        self._in_db = True

    def exists(self, session_key):
        try:
            if super().exists(session_key):
                return True
        except REDIS_DOWN:
            pass
        else:
            if not health.down_within(settings.SESSION_COOKIE_AGE):
                return False
        return DbStore().exists(session_key)

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        with contextlib.suppress(REDIS_DOWN):
            super().delete(session_key)
        if self._in_db or health.down_within(settings.SESSION_COOKIE_AGE):
            DbStore().delete(session_key)

    @classmethod
    def clear_expired(cls):
        DbStore.clear_expired()
