"""Scheduled tidying the infrastructure owns: old rate-limit windows and finished jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from shared import idempotency, jobs, ratelimit
from shared.apps import Schedule
from shared.db import utcnow


def tidy(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    ratelimit.forget_old_windows(session)
    idempotency.forget_old(session)
    cutoff = utcnow() - dt.timedelta(days=30)
    session.execute(
        delete(jobs.Job).where(jobs.Job.status == jobs.DONE, jobs.Job.finished_at < cutoff)
    )


JOB_KINDS = {"housekeeping.tidy": jobs.JobKind(handle=tidy)}
SCHEDULES = (Schedule(kind="housekeeping.tidy", every_seconds=3600),)
