"""The worker's part: a review prepared once a month, and an approved review's destruction in batches."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.intake.new_cases import today_in_london
from backoffice.retention import reviews
from shared import audit, jobs
from shared.apps import Schedule

MONTHLY = "backoffice.retention.monthly"
WORKER = audit.Actor(type="system", label="retention schedule")


PREPARE = "backoffice.retention.prepare"


def monthly(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    jobs.enqueue_once(session, PREPARE, f"retention-review:{today_in_london():%Y-%m}")


def prepare(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    reviews.prepare_review(session, WORKER, today_in_london())


def destroy(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    reviews.destroy_some(session, context.settings, WORKER, reviews.get_review(session, int(payload["review_id"])))


def job_kinds() -> dict[str, jobs.JobKind]:
    return {MONTHLY: jobs.JobKind(handle=monthly), PREPARE: jobs.JobKind(handle=prepare),
            reviews.DESTROY_JOB: jobs.JobKind(handle=destroy)}


#: Checked daily; the review itself is made once per London month.
SCHEDULES = (Schedule(kind=MONTHLY, every_seconds=86_400),)
