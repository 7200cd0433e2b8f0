"""The background worker: runs queued jobs and enqueues scheduled ones.

``civic worker`` runs it on its own; ``civic serve`` runs one in a thread beside
the web apps. Any number may run at once: the queue keeps them off each other's
jobs, and a schedule slot is enqueued once whoever gets there first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from shared import jobs
from shared.apps import AppSpec, HostTask, Schedule
from shared.db import transaction, utcnow
from shared.runtime import Runtime

log = logging.getLogger("civic.worker")


def job_kinds(specs: list[AppSpec]) -> dict[str, jobs.JobKind]:
    from shared import files, housekeeping, mail

    kinds: dict[str, jobs.JobKind] = {}
    kinds.update(mail.JOB_KINDS)
    kinds.update(files.JOB_KINDS)
    kinds.update(housekeeping.JOB_KINDS)
    for spec in specs:
        if spec.job_kinds is not None:
            kinds.update(spec.job_kinds())
    return kinds


def schedules(specs: list[AppSpec]) -> list[Schedule]:
    from shared import files, housekeeping

    found = [*housekeeping.SCHEDULES, *files.SCHEDULES]
    for spec in specs:
        found.extend(spec.schedules)
    return found


def enqueue_scheduled(runtime: Runtime, due: list[Schedule], done: dict[str, int] | None = None) -> int:
    """Enqueue each schedule's current slot once, across all workers.

    ``done`` remembers the slots this worker has already seen enqueued, so an
    idle worker polling twice a second does not take the database's write lock
    each time (on SQLite that lock is shared with every web request).
    """
    now = int(utcnow().timestamp())
    done = {} if done is None else done
    slots = {s.kind: now // s.every_seconds for s in due}
    pending = [s for s in due if done.get(s.kind) != slots[s.kind]]
    if not pending:
        return 0
    added = 0
    with transaction(runtime.factory) as session:
        for schedule in pending:
            if jobs.enqueue_once(session, schedule.kind, f"schedule:{schedule.kind}:{slots[schedule.kind]}"):
                added += 1
    done.update({s.kind: slots[s.kind] for s in pending})
    return added


def run_host_tasks(runtime: Runtime, tasks: list[HostTask], last: dict[str, float]) -> int:
    """Run each host task whose time has come (its own failure is logged, never the loop's)."""
    ran = 0
    now = time.monotonic()
    for task in tasks:
        if now - last.get(task.name, float("-inf")) < task.every_seconds:
            continue
        last[task.name] = now
        try:
            task.run(runtime)
            ran += 1
        except Exception:
            log.exception("host task %s failed; it runs again in %s s", task.name, task.every_seconds)
    return ran


def build_worker(runtime: Runtime, specs: list[AppSpec]) -> jobs.Worker:
    return jobs.Worker(settings=runtime.settings, factory=runtime.factory, kinds=job_kinds(specs))


def run_forever(runtime: Runtime, specs: list[AppSpec], stop: threading.Event, poll_seconds: float = 0.5) -> None:
    worker = build_worker(runtime, specs)
    timetable: Mapping[str, Schedule] = {s.kind: s for s in schedules(specs)}
    enqueued: dict[str, int] = {}
    host_tasks = [task for spec in specs for task in spec.host_tasks]
    host_last: dict[str, float] = {}
    log.info("worker %s started with job kinds %s", worker.name, sorted(worker.kinds))
    while not stop.is_set():
        try:
            enqueue_scheduled(runtime, list(timetable.values()), enqueued)
            ran = worker.run_until_idle(limit=100)
            run_host_tasks(runtime, host_tasks, host_last)
        except Exception:
            log.exception("worker loop failed; retrying")
            ran = 0
        if ran == 0:
            stop.wait(poll_seconds)
    log.info("worker %s stopped", worker.name)
