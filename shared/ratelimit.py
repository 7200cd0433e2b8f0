"""A rate limiter kept in the database, so it holds across several processes.

Fixed windows: each (key, window) pair is one row whose count is raised with an
atomic upsert, which SQLite and PostgreSQL both do in one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared.db import Base, is_postgres, utcnow


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window`` for one key (an IP address, an email address…)."""

    name: str
    count: int
    window: dt.timedelta


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after_seconds: int


class RateLimited(Exception):
    """A stranger hit a limit; the web layer turns this into the GOV.UK 429 page."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after_seconds}s")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class _Window:
    key: str
    start: dt.datetime
    retry_after_seconds: int


def _window(limit: Limit, subject: str, now: dt.datetime) -> _Window:
    seconds = int(limit.window.total_seconds())
    index = int(now.timestamp()) // seconds
    start = dt.datetime.fromtimestamp(index * seconds, dt.UTC)
    retry_after = max(1, int((start + limit.window - now).total_seconds()))
    return _Window(f"{limit.name}:{subject.lower()}:{index}", start, retry_after)


def _count(session: Session, limit: Limit, subject: str, now: dt.datetime) -> Decision:
    window = _window(limit, subject, now)
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    upsert = (
        insert(RateLimitCounter)
        .values(key=window.key, window_start=window.start, count=1)
        .on_conflict_do_update(index_elements=[RateLimitCounter.key], set_={"count": RateLimitCounter.count + 1})
        .returning(RateLimitCounter.count)
    )
    count = int(session.execute(upsert).scalar_one())
    return Decision(allowed=count <= limit.count, count=count, retry_after_seconds=window.retry_after_seconds)


def count_all(session: Session, hits: Sequence[tuple[Limit, str]], now: dt.datetime | None = None) -> list[Decision]:
    """Count each hit in the caller's transaction; the caller commits (and keeps a refused one)."""
    now = now or utcnow()
    return [_count(session, limit, subject, now) for limit, subject in hits]


def peek_all(session: Session, hits: Sequence[tuple[Limit, str]], now: dt.datetime | None = None) -> list[Decision]:
    """What counting each hit would decide, without counting it or locking its row.

    Lets a request refuse at once what is already over a limit; a hit it goes
    on with is counted (and decided again) with :func:`count_all` at its end.
    """
    now = now or utcnow()
    windows = [_window(limit, subject, now) for limit, subject in hits]
    rows = session.execute(select(RateLimitCounter.key, RateLimitCounter.count)
                           .where(RateLimitCounter.key.in_([w.key for w in windows])))
    stored: dict[str, int] = {key: count for key, count in rows}  # noqa: C416 (rows are Row, not tuples)
    return [Decision(allowed=stored.get(w.key, 0) + 1 <= limit.count, count=stored.get(w.key, 0) + 1,
                     retry_after_seconds=w.retry_after_seconds) for (limit, _), w in zip(hits, windows, strict=True)]


def refusal(decisions: Sequence[Decision]) -> RateLimited | None:
    """The refusal to give when any hit is over its limit, with the longest wait."""
    refused = [d for d in decisions if not d.allowed]
    return RateLimited(max(d.retry_after_seconds for d in refused)) if refused else None


def refuse_if_over(decisions: Sequence[Decision]) -> None:
    refused = refusal(decisions)
    if refused is not None:
        raise refused


def hit(factory: sessionmaker[Session], limit: Limit, subject: str, now: dt.datetime | None = None) -> Decision:
    """Count one hit in its own transaction, so a refused request still counts."""
    with factory() as session, session.begin():
        return count_all(session, [(limit, subject)], now)[0]


def enforce(factory: sessionmaker[Session], limit: Limit, subject: str) -> None:
    refuse_if_over([hit(factory, limit, subject)])


def forget_old_windows(session: Session, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Housekeeping for the worker: counters of long-past windows are never read again."""
    result = session.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
