"""The worker's part: keeping this host's Disclosure Log index up to date with the change sequence.

A publish, amend or withdraw queues ``INDEX_JOB`` in its own transaction, so the worker that takes it
applies the change within a second. Every worker process also catches up on its own every
``CATCH_UP_EVERY`` seconds (a host task), because a queued job is taken by one worker only and each host
keeps its own index. The host task also rebuilds an index made for other fields (after a release).

The host task reads in a read-only transaction: on SQLite a write transaction holds the database's one
write lock, and catching up (writing the index) or rebuilding would keep every web request that writes
waiting meanwhile, or wait behind a long one. A job runs in its transaction (the job's own row is
finished in it), so the job only catches up and leaves a rebuild to the host task.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.disclosures.changes import INDEX_JOB
from backoffice.disclosures.indexing import catch_up, keep_current, log_engine
from shared import jobs
from shared.apps import HostTask, Schedule
from shared.db import read_only
from shared.runtime import Runtime

CATCH_UP_EVERY = 2.0


def handle_index(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    engine = log_engine(context.settings)
    if engine.matches_schema():
        catch_up(session, engine)


def catch_up_this_host(runtime: Runtime) -> None:
    with read_only(runtime.factory()) as session:
        keep_current(session, runtime.settings)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {INDEX_JOB: jobs.JobKind(handle=handle_index)}


SCHEDULES: tuple[Schedule, ...] = ()
HOST_TASKS = (HostTask(name="disclosure-log index", every_seconds=CATCH_UP_EVERY, run=catch_up_this_host),)
