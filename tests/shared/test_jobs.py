"""The job queue itself: claim order, leases, backoff, giving up, de-duplication and concurrency.

Runs on SQLite by default and on PostgreSQL (the ``FOR UPDATE SKIP LOCKED``
path) when DATABASE_URL points at one.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shared import jobs
from shared.audit import SYSTEM, AuditEvent, record
from shared.db import transaction, utcnow
from shared.jobs import (
    Job,
    JobContext,
    JobKind,
    Worker,
    backoff,
    enqueue,
    enqueue_once,
    oldest_pending_age,
    queue_depth,
)
from shared.runtime import Runtime

REPO_ROOT = Path(__file__).resolve().parents[2]


def noop(_session: Any, _payload: dict[str, Any], _context: JobContext) -> None:
    return None


def failing(session: Any, payload: dict[str, Any], _context: JobContext) -> None:
    record(session, SYSTEM, "test.partial", "job", payload.get("n", 0))  # must be rolled back
    raise RuntimeError("boom")


def add(runtime: Runtime, kind: str = "test.noop", payload: dict[str, Any] | None = None, **kwargs: Any) -> int:
    with transaction(runtime.factory) as session:
        job = enqueue(session, kind, payload, **kwargs)
        session.flush()
        return job.id


def load(runtime: Runtime, job_id: int) -> Job:
    with runtime.factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def worker(runtime: Runtime, kinds: dict[str, JobKind] | None = None, **kwargs: Any) -> Worker:
    return Worker(settings=runtime.settings, factory=runtime.factory,
                  kinds=kinds if kinds is not None else {"test.noop": JobKind(handle=noop)}, **kwargs)


def test_claims_due_jobs_oldest_first_and_only_its_own_kinds(runtime: Runtime) -> None:
    now = utcnow()
    later = add(runtime, run_at=now - dt.timedelta(seconds=10))
    first = add(runtime, run_at=now - dt.timedelta(seconds=60))
    middle = add(runtime, run_at=now - dt.timedelta(seconds=30))
    future = add(runtime, run_at=now + dt.timedelta(hours=1))
    other_kind = add(runtime, kind="test.other", run_at=now - dt.timedelta(hours=1))
    w = worker(runtime)
    claimed = [w.claim() for _ in range(4)]
    assert [j.id if j else None for j in claimed] == [first, middle, later, None]
    for job in claimed[:3]:
        assert job is not None
        assert job.status == jobs.RUNNING and job.locked_by == w.name and job.attempts == 1
        assert job.locked_until is not None and job.locked_until > utcnow() + dt.timedelta(minutes=4)
    assert load(runtime, future).status == jobs.PENDING
    assert load(runtime, other_kind).status == jobs.PENDING


def test_ties_on_run_at_go_in_enqueue_order(runtime: Runtime) -> None:
    at = utcnow() - dt.timedelta(seconds=5)
    ids = [add(runtime, run_at=at) for _ in range(3)]
    w = worker(runtime)
    assert [w.claim().id for _ in ids] == ids  # type: ignore[union-attr]


def test_expired_lease_is_taken_again_and_the_stale_worker_cannot_finish(runtime: Runtime, time_machine) -> None:
    time_machine.move_to(utcnow(), tick=True)
    job_id = add(runtime)
    crashed = worker(runtime, lease=dt.timedelta(minutes=1))
    assert crashed.claim() is not None
    other = worker(runtime)
    assert other.claim() is None  # leased
    time_machine.shift(dt.timedelta(minutes=2))
    retaken = other.claim()
    assert retaken is not None and retaken.id == job_id and retaken.attempts == 2 and retaken.locked_by == other.name
    with runtime.factory() as session, session.begin():
        crashed._finish(session, job_id)  # the first worker wakes up late: its result is ignored
    assert load(runtime, job_id).status == jobs.RUNNING


def test_failure_rolls_back_the_handler_and_backs_off(runtime: Runtime) -> None:
    job_id = add(runtime, "test.fail", {"n": 1})
    w = worker(runtime, {"test.fail": JobKind(handle=failing)})
    assert w.run_until_idle() == 1  # then nothing is due
    job = load(runtime, job_id)
    assert job.status == jobs.PENDING and job.attempts == 1 and "RuntimeError: boom" in (job.last_error or "")
    assert job.locked_until is None
    assert abs((job.run_at - (utcnow() + dt.timedelta(seconds=5))).total_seconds()) < 2
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert backoff(0) == backoff(1) == dt.timedelta(seconds=5)
    assert backoff(30) == dt.timedelta(hours=1)


def test_give_up_hook_runs_once_in_the_failing_transaction(runtime: Runtime, time_machine) -> None:
    time_machine.move_to(utcnow(), tick=True)
    calls: list[tuple[dict[str, Any], str]] = []

    def give_up(session: Any, payload: dict[str, Any], error: str) -> None:
        calls.append((payload, error))
        record(session, SYSTEM, "test.gave_up", "job", payload["n"])

    job_id = add(runtime, "test.fail", {"n": 7}, max_attempts=3)
    w = worker(runtime, {"test.fail": JobKind(handle=failing, give_up=give_up)})
    for attempt in range(1, 4):
        assert w.run_until_idle() == 1
        time_machine.shift(backoff(attempt) + dt.timedelta(seconds=1))
    assert w.run_until_idle() == 0
    job = load(runtime, job_id)
    assert job.status == jobs.FAILED and job.attempts == 3 and job.finished_at is not None
    assert calls == [({"n": 7}, "RuntimeError: boom")]
    with runtime.factory() as session:
        assert list(session.scalars(select(AuditEvent.action))) == ["test.gave_up"]


def test_a_job_that_must_wait_backs_off_without_spending_its_attempts(runtime: Runtime, time_machine) -> None:
    """``RetryLater`` (a full disk): the same backoff as a failure, but never given up on for waiting, its
    ``waiting`` hook kept (the handler's own writes rolled back), and it runs once the wait is over."""
    time_machine.move_to(utcnow(), tick=True)
    room = {"now": False}
    waits: list[tuple[dict[str, Any], str]] = []

    def needs_room(session: Any, payload: dict[str, Any], _context: JobContext) -> None:
        record(session, SYSTEM, "test.partial", "job", payload["n"])  # kept only when it runs to the end
        if not room["now"]:
            raise jobs.RetryLater("no room on the disk")

    def waiting(session: Any, payload: dict[str, Any], reason: str) -> None:
        waits.append((payload, reason))
        record(session, SYSTEM, "test.waiting", "job", payload["n"])

    job_id = add(runtime, "test.wait", {"n": 3}, max_attempts=2)
    w = worker(runtime, {"test.wait": JobKind(handle=needs_room, waiting=waiting)})
    for attempt in range(1, 6):  # more than max_attempts
        assert w.run_until_idle() == 1
        job = load(runtime, job_id)
        assert (job.status, job.attempts, job.max_attempts) == (jobs.PENDING, attempt, 2 + attempt)
        assert job.last_error == "waiting: no room on the disk" and job.locked_until is None
        assert abs((job.run_at - (utcnow() + backoff(attempt))).total_seconds()) < 2
        time_machine.shift(backoff(attempt) + dt.timedelta(seconds=1))
    assert waits == [({"n": 3}, "no room on the disk")] * 5
    room["now"] = True
    assert w.run_until_idle() == 1
    assert load(runtime, job_id).status == jobs.DONE
    with runtime.factory() as session:
        assert Counter(session.scalars(select(AuditEvent.action))) == {"test.waiting": 5, "test.partial": 1}


def test_a_waiting_hook_that_raises_still_leaves_the_job_waiting(runtime: Runtime) -> None:
    def must_wait(_session: Any, _payload: dict[str, Any], _context: JobContext) -> None:
        raise jobs.RetryLater("no room on the disk")

    def broken(session: Any, _payload: dict[str, Any], _reason: str) -> None:
        record(session, SYSTEM, "test.partial", "job", 1)  # rolled back with the hook's savepoint
        raise RuntimeError("the hook is broken too")

    job_id = add(runtime, "test.wait", max_attempts=1)
    assert worker(runtime, {"test.wait": JobKind(handle=must_wait, waiting=broken)}).run_until_idle() == 1
    job = load(runtime, job_id)
    assert (job.status, job.max_attempts, job.locked_until) == (jobs.PENDING, 2, None)
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_success_marks_done(runtime: Runtime) -> None:
    job_id = add(runtime)
    assert worker(runtime).run_until_idle() == 1
    job = load(runtime, job_id)
    assert job.status == jobs.DONE and job.finished_at is not None and job.locked_until is None


def test_enqueue_once_dedupes_by_key(runtime: Runtime) -> None:
    with transaction(runtime.factory) as session:
        assert enqueue_once(session, "test.noop", "slot:1") is True
        assert enqueue_once(session, "test.noop", "slot:1") is False
    with transaction(runtime.factory) as session:
        assert enqueue_once(session, "test.noop", "slot:1") is False  # across transactions too
        assert enqueue_once(session, "test.noop", "slot:2") is True
    assert worker(runtime).run_until_idle() == 2
    with transaction(runtime.factory) as session:
        assert enqueue_once(session, "test.noop", "slot:1") is False  # even after it ran
        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_two_workers_never_run_the_same_job(runtime: Runtime) -> None:
    ran: list[int] = []
    lock = threading.Lock()

    def slow(_session: Any, payload: dict[str, Any], _context: JobContext) -> None:
        time.sleep(0.002)
        with lock:
            ran.append(payload["n"])

    with transaction(runtime.factory) as session:
        for n in range(40):
            enqueue(session, "test.slow", {"n": n})
    workers = [worker(runtime, {"test.slow": JobKind(handle=slow)}) for _ in range(4)]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(ran) == Counter(range(40))
    with runtime.factory() as session:
        assert set(session.scalars(select(Job.status))) == {jobs.DONE}
        assert set(session.scalars(select(Job.attempts))) == {1}
        assert len(set(session.scalars(select(Job.locked_by)))) >= 2  # the work really was shared


def test_queue_depth_and_oldest_pending_age(runtime: Runtime) -> None:
    with runtime.factory() as session:
        assert queue_depth(session) == {"pending": 0, "running": 0, "failed": 0}
        assert oldest_pending_age(session) is None
    add(runtime, run_at=utcnow() - dt.timedelta(minutes=10))
    add(runtime)
    add(runtime, "test.fail", max_attempts=1)
    add(runtime, "test.done")
    worker(runtime, {"test.fail": JobKind(handle=failing), "test.done": JobKind(handle=noop)}).run_until_idle()
    worker(runtime).claim()  # the oldest one is now running
    with runtime.factory() as session:
        assert queue_depth(session) == {"pending": 1, "running": 1, "failed": 1}
        age = oldest_pending_age(session)
        assert age is not None and age < dt.timedelta(minutes=1)


def test_an_idle_poll_does_not_wait_for_a_writer(runtime: Runtime) -> None:
    """Polling an empty queue is read-only: on SQLite it must not queue behind a long write."""
    worker = Worker(settings=runtime.settings, factory=runtime.factory, kinds={"test.noop": JobKind(noop)})
    with runtime.factory() as writer, writer.begin():
        record(writer, SYSTEM, "test.write", "test", 1)  # holds the write lock until the block ends
        writer.flush()
        started = time.monotonic()
        assert worker.claim() is None
        assert time.monotonic() - started < 2  # not the 10 s busy timeout


def test_a_burst_of_jobs_runs_in_order_with_each_next_job_leased_as_the_last_finishes(runtime: Runtime) -> None:
    seen: list[int] = []

    def remember(_session: Any, payload: dict[str, Any], _context: JobContext) -> None:
        seen.append(int(payload["n"]))

    with transaction(runtime.factory) as session:
        for n in range(5):
            enqueue(session, "test.remember", {"n": n})
    worker = Worker(settings=runtime.settings, factory=runtime.factory, kinds={"test.remember": JobKind(remember)})
    assert worker.run_until_idle(limit=3) == 3
    with runtime.factory() as session:  # the limit leaves nothing leased and unrun
        assert session.scalar(select(func.count()).where(Job.status == jobs.RUNNING)) == 0
    assert worker.run_until_idle() == 2
    assert seen == [0, 1, 2, 3, 4]


# --- a job that kills its worker ------------------------------------------------------------------

KILLING_WORKER = textwrap.dedent(
    """
    import datetime as dt
    import logging
    import os
    import sys

    from shared.audit import SYSTEM, record
    from shared.jobs import JobKind, Worker
    from shared.runtime import Runtime
    from shared.settings import load_settings

    runs = sys.argv[1]

    def kill_the_worker(session, payload, context):
        with open(runs, "a") as out:
            out.write(f"{context.attempts}\\n")
        os._exit(1)  # no exception, no rollback handler, no finally: the process is simply gone

    def give_up(session, payload, error):
        record(session, SYSTEM, "test.gave_up", "job", payload["n"], error)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    runtime = Runtime.from_settings(load_settings())
    kinds = {"test.kill": JobKind(handle=kill_the_worker, give_up=give_up)}
    Worker(runtime.settings, runtime.factory, kinds, lease=dt.timedelta(seconds=1)).run_until_idle()
    """
)


def test_a_job_that_kills_its_worker_runs_at_most_max_attempts_times_then_fails(
        runtime: Runtime, tmp_path: Path) -> None:
    settings = runtime.settings
    job_id = add(runtime, "test.kill", {"n": 5}, max_attempts=3)
    runs = tmp_path / "runs.txt"
    runs.touch()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATA_DIR": str(settings.data_dir),
           "SECRET_KEY": settings.secret_key, "APP_ENV": "development"}
    logs = []
    for _ in range(6):  # more workers than attempts: each takes the job again once the dead one's lease runs out
        process = subprocess.run([sys.executable, "-c", KILLING_WORKER, str(runs)], cwd=REPO_ROOT, env=env,
                                 capture_output=True, text=True, timeout=60, check=False)
        logs.append(process.stderr)
        job = load(runtime, job_id)
        if job.status != jobs.RUNNING:
            break
        assert process.returncode == 1  # the handler killed it
        assert job.locked_until is not None
        time.sleep(max(0.0, (job.locked_until - utcnow()).total_seconds()) + 0.05)
    assert runs.read_text().split() == ["1", "2", "3"]  # the handler ran max_attempts times, no more
    job = load(runtime, job_id)
    assert job.status == jobs.FAILED and job.attempts == 3 and job.finished_at is not None
    assert job.locked_until is None
    assert "lease ran out" in (job.last_error or "")
    with runtime.factory() as session:
        gave_up = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.gave_up")).all()
        assert len(gave_up) == 1 and "lease ran out" in gave_up[0].summary
    assert f"job {job_id} (test.kill)" in logs[-1] and "lease ran out" in logs[-1]


def test_an_abandoned_lease_counts_as_an_attempt_and_the_last_one_gives_up(
        runtime: Runtime, time_machine) -> None:
    time_machine.move_to(utcnow(), tick=True)
    calls: list[tuple[dict[str, Any], str]] = []

    def give_up(session: Any, payload: dict[str, Any], error: str) -> None:
        calls.append((payload, error))

    kinds = {"test.noop": JobKind(handle=noop, give_up=give_up)}
    job_id = add(runtime, max_attempts=2)
    next_id = add(runtime, run_at=utcnow() + dt.timedelta(minutes=10))  # becomes due after the first is given up on
    w = worker(runtime, kinds, lease=dt.timedelta(minutes=1))
    for attempt in (1, 2):
        leased = w.claim()  # and abandoned: the worker never runs it
        assert leased is not None and leased.id == job_id and leased.attempts == attempt
        time_machine.shift(dt.timedelta(minutes=2))
    time_machine.shift(dt.timedelta(minutes=10))
    leased = w.claim()  # the exhausted job is failed on the way, and the next due job is leased instead
    assert leased is not None and leased.id == next_id
    job = load(runtime, job_id)
    assert job.status == jobs.FAILED and job.attempts == 2 and job.locked_until is None
    assert job.finished_at is not None and "lease ran out" in (job.last_error or "")
    assert len(calls) == 1 and calls[0][0] == {} and "lease ran out" in calls[0][1]
    time_machine.shift(dt.timedelta(minutes=2))  # the next job's lease runs out too (attempt 1 of 8): taken again
    assert w.run_until_idle() == 1  # that job, and never again the failed one
    assert load(runtime, next_id).status == jobs.DONE
    assert load(runtime, job_id).status == jobs.FAILED and len(calls) == 1


def test_a_give_up_hook_that_raises_still_leaves_the_job_failed(runtime: Runtime, time_machine) -> None:
    time_machine.move_to(utcnow(), tick=True)

    def broken_give_up(session: Any, payload: dict[str, Any], error: str) -> None:
        record(session, SYSTEM, "test.partial", "job", 1)  # rolled back with the hook's savepoint
        raise RuntimeError("the hook is broken too")

    kinds = {"test.noop": JobKind(handle=noop, give_up=broken_give_up)}
    job_id = add(runtime, max_attempts=1)
    w = worker(runtime, kinds, lease=dt.timedelta(minutes=1))
    assert w.claim() is not None
    time_machine.shift(dt.timedelta(minutes=2))
    assert w.claim() is None  # never a worker loop stuck on the same job
    job = load(runtime, job_id)
    assert job.status == jobs.FAILED and "lease ran out" in (job.last_error or "")
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_host_tasks_run_on_their_timer_and_a_failure_does_not_stop_the_others(runtime: Runtime) -> None:
    from shared.apps import HostTask
    from shared.worker import run_host_tasks

    ran: list[str] = []

    def broken(_runtime: Runtime) -> None:
        raise RuntimeError("index directory missing")

    tasks = [HostTask("broken", 60, broken), HostTask("index", 60, lambda _r: ran.append("index"))]
    last: dict[str, float] = {}
    assert run_host_tasks(runtime, tasks, last) == 1
    assert run_host_tasks(runtime, tasks, last) == 0  # not due again for a minute
    assert ran == ["index"]
