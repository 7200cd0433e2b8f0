"""The rate limiter holds across processes because it counts in the database."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from shared import ratelimit
from shared.db import make_engine, make_session_factory, transaction

LIMIT = ratelimit.Limit("probe", count=3, window=dt.timedelta(minutes=10))


def test_allows_up_to_the_limit_then_refuses(runtime) -> None:
    now = dt.datetime(2026, 11, 23, 10, 1, tzinfo=dt.UTC)
    decisions = [ratelimit.hit(runtime.factory, LIMIT, "203.0.113.1", now) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after_seconds == 9 * 60
    assert ratelimit.hit(runtime.factory, LIMIT, "203.0.113.2", now).allowed  # another subject
    later = now + dt.timedelta(minutes=10)
    assert ratelimit.hit(runtime.factory, LIMIT, "203.0.113.1", later).allowed  # a new window


def test_subjects_are_case_insensitive(runtime) -> None:
    for _ in range(3):
        ratelimit.enforce(runtime.factory, LIMIT, "Ada@Example.com")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.enforce(runtime.factory, LIMIT, "ada@example.com")


def test_counts_are_shared_between_engines_and_threads(runtime) -> None:
    """Two engines stand for two processes; concurrent hits are never lost."""
    second = make_engine(runtime.settings.database_url)
    factories = [runtime.factory, make_session_factory(second)]
    limit = ratelimit.Limit("shared", count=1000, window=dt.timedelta(hours=1))
    results: list[int] = []

    def hammer(index: int) -> None:
        for _ in range(10):
            results.append(ratelimit.hit(factories[index % 2], limit, "one-subject").count)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()
    assert sorted(results) == list(range(1, 41))


def test_old_windows_are_forgotten(runtime) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    ratelimit.hit(runtime.factory, LIMIT, "x", old)
    ratelimit.hit(runtime.factory, LIMIT, "y")
    with runtime.factory() as session, session.begin():
        assert ratelimit.forget_old_windows(session) == 1


def test_several_limits_count_together_and_the_longest_wait_is_given(runtime) -> None:
    hourly = ratelimit.Limit("probe-hourly", count=1, window=dt.timedelta(hours=1))
    now = dt.datetime(2026, 11, 23, 10, 1, tzinfo=dt.UTC)
    both = [(LIMIT, "203.0.113.9"), (hourly, "ada@example.com")]
    with transaction(runtime.factory) as session:
        ratelimit.refuse_if_over(ratelimit.count_all(session, both, now))
    with transaction(runtime.factory) as session:
        second = ratelimit.count_all(session, both, now)  # committed although refused below
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.refuse_if_over(second)
    assert refused.value.retry_after_seconds == 59 * 60  # the hourly window's; the ten-minute one still allows
    # Both were counted, the refused hit included.
    assert ratelimit.hit(runtime.factory, LIMIT, "203.0.113.9", now).count == 3
    assert ratelimit.hit(runtime.factory, hourly, "ada@example.com", now).count == 3


def test_peeking_decides_as_counting_would_without_counting(runtime) -> None:
    now = dt.datetime(2026, 11, 23, 10, 1, tzinfo=dt.UTC)
    for _ in range(LIMIT.count - 1):
        ratelimit.hit(runtime.factory, LIMIT, "198.51.100.7", now)
    with transaction(runtime.factory) as session:
        assert [d.allowed for d in ratelimit.peek_all(session, [(LIMIT, "198.51.100.7")] * 3, now)] == [True] * 3
    last = ratelimit.hit(runtime.factory, LIMIT, "198.51.100.7", now)  # peeking counted nothing
    assert (last.count, last.allowed) == (LIMIT.count, True)
    with transaction(runtime.factory) as session:
        peeked, = ratelimit.peek_all(session, [(LIMIT, "198.51.100.7")], now)
    counted = ratelimit.hit(runtime.factory, LIMIT, "198.51.100.7", now)
    assert peeked == counted and not counted.allowed
    assert isinstance(ratelimit.refusal([counted]), ratelimit.RateLimited)
    assert ratelimit.refusal([last]) is None
