"""Loaded with ``-p tests.pytest_env`` before Django's settings: isolates a test run.

Each run gets its own Celery queue and cache key prefix, so two runs (or a running demo) on the
same Redis never take each other's tasks or lockout counters.
"""

import os
import uuid

_run = uuid.uuid4().hex[:8]
os.environ.setdefault("CELERY_QUEUE", f"test-{_run}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{_run}")
os.environ.setdefault("EMAIL_URL", "locmem")
# Playwright's sync API runs an event loop in the test thread; the ORM calls in tests are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
