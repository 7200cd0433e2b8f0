"""The worker's part: keeping this host's Disclosure Log index up to date with the change sequence.

A publish, amend or withdraw queues ``INDEX_JOB`` in its own transaction, so the worker that takes it
applies the change within a second. Every worker process also catches up on its own every
``CATCH_UP_EVERY`` seconds (a host task), because a queued job is taken by one worker only and each host
keeps its own index. The host task also rebuilds an index made for other fields (after a release).

The host task reads in a read-only transaction: on SQLite a write transaction holds the database's one
write lock, and catching up (writing the index) or rebuilding would keep every web request that writes
waiting meanwhile, or wait behind a long one. A job runs in its transaction (the job's own row is
finished in it), so the job only catches up and leaves a rebuild to the host task.

On a disk at ``DISK_RESERVE_MB`` the index is not written (``IndexFull``): the job waits for room
(``RetryLater``, the queue's backoff, never given up on for waiting, as a report export does) and the host
task says so once and tries again at its next turn. Search meanwhile answers from the index as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from backoffice.disclosures.changes import INDEX_JOB
from backoffice.disclosures.indexing import catch_up, keep_current, log_engine
from shared import jobs
from shared.apps import HostTask, Schedule
from shared.db import read_only
from shared.runtime import Runtime
from shared.search import IndexFull

log = logging.getLogger(__name__)

CATCH_UP_EVERY = 2.0
#: Whether this process last found the disk too full to write the index (said once, not every turn).
_full: dict[str, bool] = {"said": False}


def handle_index(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    engine = log_engine(context.settings)
    if engine.matches_schema():
        try:
            catch_up(session, engine)
        except IndexFull as exc:
            raise jobs.RetryLater(str(exc)) from exc


def catch_up_this_host(runtime: Runtime) -> None:
    """Keep this host's index current; a disk at the reserve is logged once, and the next turn tries again."""
    try:
        with read_only(runtime.factory()) as session:
            keep_current(session, runtime.settings)
    except IndexFull as exc:
        if not _full["said"]:
            log.warning("The disclosure log index is not being updated: %s. Search shows what it had; the "
                        "index catches up once there is room", exc)
            _full["said"] = True
        return
    if _full["said"]:
        log.info("The disclosure log index is being updated again")
        _full["said"] = False


def job_kinds() -> dict[str, jobs.JobKind]:
    return {INDEX_JOB: jobs.JobKind(handle=handle_index)}


SCHEDULES: tuple[Schedule, ...] = ()
HOST_TASKS = (HostTask(name="disclosure-log index", every_seconds=CATCH_UP_EVERY, run=catch_up_this_host),)
