"""One durable, table-backed job queue for mail, virus scans, indexing and sweeps.

Work is enqueued in the same transaction as the change that causes it, so a
crash can never lose it. Delivery is at least once: a worker leases a job, and
a job whose lease runs out (its worker died) is taken again, so handlers must
be idempotent. Every lease counts as an attempt, so a job that kills its worker
each time (a segfault, the OOM killer) is given up on like one that raises: it
runs at most ``max_attempts`` times, then fails and its ``give_up`` runs. A handler that cannot do its
work yet through no fault of its own (DATA_DIR full) raises :class:`RetryLater`: the job waits with the
same backoff, and the wait is not one of its attempts, so it is never given up on for waiting. On
PostgreSQL ``FOR UPDATE SKIP LOCKED`` keeps two workers off one job; on SQLite the write lock taken by
``BEGIN IMMEDIATE`` does the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Index, Select, String, Text, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared.db import Base, is_postgres, read_only, utcnow
from shared.settings import Settings

log = logging.getLogger(__name__)

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
#: Jobs whose last lease ran out that one claim gives up on before it stops looking (keeps the transaction short).
LOST_LEASES_PER_CLAIM = 50


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: dt.datetime | None = None,
    max_attempts: int = 8,
) -> Job:
    """Record work to do in the caller's transaction; the worker does it after commit."""
    job = Job(kind=kind, payload=dict(payload or {}), run_at=run_at or utcnow(), max_attempts=max_attempts)
    session.add(job)
    return job


def enqueue_once(session: Session, kind: str, dedupe_key: str, payload: Mapping[str, Any] | None = None) -> bool:
    """Enqueue unless a job with this key was ever enqueued: scheduled work runs once per slot."""
    if session.scalar(select(Job.id).where(Job.dedupe_key == dedupe_key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Job(kind=kind, payload=dict(payload or {}), dedupe_key=dedupe_key))
    except IntegrityError:
        return False
    return True


def backoff(attempts: int) -> dt.timedelta:
    """Wait longer after each failure: 5 s, 10 s, 20 s … capped at an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


class RetryLater(Exception):
    """Raised by a handler whose work must wait for something outside it (room on the disk): not a failure.

    The job is put back with :func:`backoff`, its ``waiting`` hook (if any) saying so where people look, and
    its ``max_attempts`` grows by the one this lease took, so only real failures (and crashes, which never
    get here) use up its attempts. What it waits for is the operator's to fix; until then it tries again,
    at most once an hour.
    """


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    job_id: int
    attempts: int


Handler = Callable[[Session, dict[str, Any], JobContext], None]
GiveUp = Callable[[Session, dict[str, Any], str], None]
#: Records that the job is waiting (:class:`RetryLater`): the session, the payload, the reason.
Waiting = Callable[[Session, dict[str, Any], str], None]


@dataclass(frozen=True)
class JobKind:
    """What a job kind does, what to record when it fails for good, and what while it waits."""

    handle: Handler
    give_up: GiveUp | None = None
    waiting: Waiting | None = None


@dataclass
class Worker:
    settings: Settings
    factory: sessionmaker[Session]
    kinds: Mapping[str, JobKind]
    lease: dt.timedelta = dt.timedelta(minutes=5)
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")

    def _due(self, now: dt.datetime) -> Select[Job]:
        return (
            select(Job)
            .where(
                Job.kind.in_(list(self.kinds)),
                or_(
                    (Job.status == PENDING) & (Job.run_at <= now),
                    (Job.status == RUNNING) & (Job.locked_until < now),
                ),
            )
            .order_by(Job.run_at, Job.id)
            .limit(1)
        )

    def claim(self) -> Job | None:
        """Lease the next due job (or one whose worker's lease ran out).

        An idle queue is seen in a read-only transaction first, so polling takes
        no write lock (on SQLite, the lock every web request that writes needs).
        """
        now = utcnow()
        with self.factory() as session, session.begin():
            read_only(session)
            if session.scalar(self._due(now).with_only_columns(Job.id)) is None:
                return None
        with self.factory() as session, session.begin():
            return self._lease_next(session, now)

    def _lease_next(self, session: Session, now: dt.datetime) -> Job | None:
        """Lease the next due job; one whose last allowed lease ran out is given up on on the way.

        The attempt is counted here, when the job is leased, not when its handler
        returns: a handler that kills its worker never returns.
        """
        stmt = self._due(now)
        if is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        for _ in range(LOST_LEASES_PER_CLAIM):
            job = session.scalars(stmt).first()
            if job is None:
                return None
            if job.status == RUNNING and job.attempts >= job.max_attempts:
                self._lease_ran_out(session, job)
                continue
            return self._lease(session, job, now)
        return None  # a backlog of dead jobs: the next claim carries on

    def _lease_ran_out(self, session: Session, job: Job) -> None:
        error = (f"lease ran out on attempt {job.attempts} of {job.max_attempts}: the worker running it "
                 f"({job.locked_by}) stopped before it finished (killed, crashed or out of memory)")
        log.error("job %s (%s) given up: %s", job.id, job.kind, error)
        self._give_up(session, job, self.kinds[job.kind], error)
        session.flush()

    def _give_up(self, session: Session, row: Job, kind: JobKind, error: str) -> None:
        """Fail the job for good and run its kind's hook, whose own failure cannot undo that.

        The hook runs in a savepoint: were its exception to roll back the whole
        transaction, the job would stay leased and come back for ever.
        """
        row.status = FAILED
        row.finished_at = utcnow()
        row.locked_until = None
        row.last_error = error[:4000]
        if kind.give_up is not None:
            _run_hook(session, row, "give_up", kind.give_up, error)  # the job stays failed whatever it does

    def _lease(self, session: Session, job: Job, now: dt.datetime) -> Job:
        job.status = RUNNING
        job.locked_by = self.name
        job.locked_until = now + self.lease
        job.attempts += 1
        session.flush()
        session.expunge(job)
        return job

    def run_one(self) -> bool:
        """Claim and run one job; False when nothing was due."""
        job = self.claim()
        if job is None:
            return False
        self._run(job, lease_next=False)
        return True

    def _run(self, job: Job, *, lease_next: bool) -> Job | None:
        """Run a leased job; with ``lease_next``, lease the following one in the same transaction.

        A burst of jobs (a new case's emails) then costs one write transaction
        each rather than two, which on SQLite is one wait fewer for the lock the
        web requests share.
        """
        kind = self.kinds[job.kind]
        context = JobContext(settings=self.settings, job_id=job.id, attempts=job.attempts)
        try:
            with self.factory() as session, session.begin():
                kind.handle(session, dict(job.payload), context)
                self._finish(session, job.id)
                return self._lease_next(session, utcnow()) if lease_next else None
        except RetryLater as exc:
            log.warning("job %s (%s) waits: %s", job.id, job.kind, exc)
            self._wait(job, kind, str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - any failure is retried, never lost
            log.warning("job %s (%s) failed on attempt %s: %s", job.id, job.kind, job.attempts, exc)
            self._fail(job, kind, "".join(traceback.format_exception_only(exc)).strip())
            return None

    def _finish(self, session: Session, job_id: int) -> None:
        done = session.get(Job, job_id)
        if done is not None and done.locked_by == self.name:
            done.status = DONE
            done.finished_at = utcnow()
            done.locked_until = None

    def _fail(self, job: Job, kind: JobKind, error: str) -> None:
        with self.factory() as session, session.begin():
            row = session.get(Job, job.id)
            if row is None or row.locked_by != self.name:
                return
            row.last_error = error[:4000]
            row.locked_until = None
            if row.attempts >= row.max_attempts:
                log.error("job %s (%s) given up after %s attempts: %s", row.id, row.kind, row.attempts, error)
                self._give_up(session, row, kind, error)
            else:
                row.status = PENDING
                row.run_at = utcnow() + backoff(row.attempts)

    def _wait(self, job: Job, kind: JobKind, reason: str) -> None:
        """Put the job back for later without spending an attempt; its ``waiting`` hook runs in a savepoint,
        so its failure cannot leave the job leased."""
        with self.factory() as session, session.begin():
            row = session.get(Job, job.id)
            if row is None or row.locked_by != self.name:
                return
            row.last_error = f"waiting: {reason}"[:4000]
            row.locked_until = None
            row.status = PENDING
            row.run_at = utcnow() + backoff(row.attempts)
            row.max_attempts += 1
            if kind.waiting is not None:
                _run_hook(session, row, "waiting", kind.waiting, reason)  # the job still waits whatever it does

    def run_until_idle(self, limit: int = 10_000) -> int:
        """Run due jobs until none is left: what tests and `civic worker --once` use."""
        count = 0
        job = None
        while count < limit:
            job = job or self.claim()
            if job is None:
                break
            count += 1
            job = self._run(job, lease_next=count < limit)
        return count


def queue_depth(session: Session) -> dict[str, int]:
    """Pending, running and failed counts, for /healthz and the staff dashboard."""
    from sqlalchemy import func

    rows = session.execute(
        select(Job.status, func.count()).where(Job.status.in_([PENDING, RUNNING, FAILED])).group_by(Job.status)
    )
    counts = {PENDING: 0, RUNNING: 0, FAILED: 0}
    counts.update({status: int(n) for status, n in rows})
    return counts


def oldest_pending_age(session: Session) -> dt.timedelta | None:
    oldest = session.scalar(select(Job.run_at).where(Job.status == PENDING).order_by(Job.run_at).limit(1))
    return None if oldest is None else max(dt.timedelta(0), utcnow() - oldest)


def _run_hook(session: Session, row: Job, name: str, hook: Callable[[Session, dict[str, Any], str], None],
              said: str) -> None:
    """A job kind's hook, in a savepoint of its own: one that fails is logged and undone, never the job's state."""
    try:
        with session.begin_nested():
            hook(session, dict(row.payload), said)
    except Exception:
        log.exception("job %s (%s): its %s hook failed", row.id, row.kind, name)
