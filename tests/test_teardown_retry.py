"""The suite's own safety net: a transactional test's final flush that PostgreSQL picked as a
deadlock victim is retried, also when Django's flush wraps the deadlock in a CommandError."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db import OperationalError

from tests.conftest import with_deadlock_retry


def _flush_failing(times: int, cause: Exception):
    calls = []

    def flush(_self):
        calls.append(1)
        if len(calls) <= times:
            try:
                raise cause
            except Exception as exc:
                raise CommandError("Database test_x couldn't be flushed.") from exc
        return "flushed"

    return flush, calls


def test_a_wrapped_deadlock_is_retried_until_the_flush_goes_through():
    flush, calls = _flush_failing(2, OperationalError("deadlock detected"))
    assert with_deadlock_retry(flush)(object()) == "flushed"
    assert len(calls) == 3


def test_any_other_flush_error_fails_at_once():
    flush, calls = _flush_failing(1, OperationalError("relation does not exist"))
    with pytest.raises(CommandError):
        with_deadlock_retry(flush)(object())
    assert len(calls) == 1


def test_a_deadlock_that_never_clears_fails_after_the_last_try():
    flush, calls = _flush_failing(99, OperationalError("deadlock detected"))
    with pytest.raises(CommandError):
        with_deadlock_retry(flush, tries=3)(object())
    assert len(calls) == 3
