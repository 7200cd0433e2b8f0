"""Reporting's work for the worker: writing a large case list, and forgetting old ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.reporting.exporting import EXPORT_JOB, forget_old, give_up_export, handle_export
from shared import jobs
from shared.apps import Schedule

TIDY = "reporting.tidy"


def tidy(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    forget_old(session, context.settings)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {EXPORT_JOB: jobs.JobKind(handle=handle_export, give_up=give_up_export), TIDY: jobs.JobKind(handle=tidy)}


SCHEDULES = (Schedule(kind=TIDY, every_seconds=3600),)
