"""Django's Redis cache backend, with one ``redis.Redis`` client per connection pool, that
keeps working while Redis is down.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for every cache
call, and each one sets up some 170 response callbacks: about 0.2 ms of Python per call, and a
desk request makes several (session, staff roles, the reference-data version checks). A client
is thread-safe and holds no connection of its own (the pool does), so one per pool is enough.
Django's cache handler gives every thread its own backend instance anyway.

Redis is a cache here, not the source of truth: when it cannot be reached, a read is a miss
(the caller loads from PostgreSQL) and a write does nothing, instead of an error on every
request. After a failure Redis is not asked again for ``RETRY_AFTER`` seconds (so a desk
request does not wait for several refused connections), then the next call tries again. A
cache configured with ``"OPTIONS": {"FAIL_SOFT": False}`` (the sessions' one) raises instead,
at once while Redis is known to be down, so its caller can fall back on its own terms.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RETRY_AFTER = 1.0  # seconds without asking Redis after a failure


class _Health:
    """This process's view of Redis: down until a moment, and when it was last seen down."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.last_failure = 0.0  # time.time() of the last failure; 0 = never
        self._lock = threading.Lock()

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, exc: Exception) -> None:
        with self._lock:
            if not self.is_down() and time.time() - self.last_failure > 60:
                logger.warning("Redis unavailable (%s); falling back to PostgreSQL", exc)
            self.down_until = time.monotonic() + RETRY_AFTER
            self.last_failure = time.time()

    def down_within(self, seconds: float) -> bool:
        """Was Redis seen down in the last ``seconds``?"""
        return self.last_failure > 0 and time.time() - self.last_failure < seconds

    def reset(self) -> None:
        """Forget failures (tests: after a private Redis came back)."""
        self.down_until = 0.0
        self.last_failure = 0.0


health = _Health()


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.fail_soft = options.pop("FAIL_SOFT", True)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient

    def _call(self, default, method, *args, **kwargs):
        if health.is_down():
            if self.fail_soft:
                return default
            raise redis.exceptions.ConnectionError("Redis was unreachable a moment ago")
        try:
            return method(*args, **kwargs)
        except REDIS_DOWN as exc:
            health.failed(exc)
            if self.fail_soft:
                return default
            raise

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # While Redis is down a counter cannot be kept: it counts as the first.
        return self._call(delta, super().incr, key, delta, version)
