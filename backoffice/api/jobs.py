"""The API's scheduled tidying: idempotency keys outlive any retry within a day."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.api.idempotency import forget_old
from shared import jobs
from shared.apps import Schedule

KIND = "backoffice.api.tidy"


def tidy(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    forget_old(session)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {KIND: jobs.JobKind(handle=tidy)}


SCHEDULES = (Schedule(kind=KIND, every_seconds=3600),)
