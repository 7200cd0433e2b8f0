"""The monthly review: the cases due listed once a month, approved by a manager, destroyed by the worker.

Nothing is destroyed on the list's word alone: a manager approves it, and the worker checks each case again
as it goes (a hold placed after the list was made, a case reopened, keeps it, and the report says why).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.retention import destruction, schedule
from backoffice.retention.models import APPROVED, AWAITING_APPROVAL, DONE, RetentionItem, RetentionReview
from backoffice.staff.accounts import Role, StaffUser
from shared import audit, jobs
from shared.db import utcnow
from shared.errors import Conflict, NotFound, PermissionDenied
from shared.settings import Settings

DESTROY_JOB = "backoffice.retention.destroy"
#: Cases destroyed per job run: a large first review is done in several short transactions.
BATCH = 200


def open_review(session: Session) -> RetentionReview | None:
    return session.scalar(select(RetentionReview).where(RetentionReview.status != DONE)
                          .order_by(RetentionReview.id).limit(1))


def prepare_review(session: Session, actor: audit.Actor, today: dt.date) -> RetentionReview | None:
    """List what is due, unless a review is still open (it is finished first) or nothing is."""
    if open_review(session) is not None:
        return None
    due = schedule.due_cases(session, today)
    if not due:
        return None
    review = RetentionReview(prepared_on=today, status=AWAITING_APPROVAL)
    session.add(review)
    session.flush()
    session.add_all(RetentionItem(review_id=review.id, case_id=case.id, reference=case.reference,
                                  case_type=case.case_type.name, closed_at=case.closed_at) for case in due
                    if case.closed_at is not None)
    audit.record(session, actor, "retention.review_prepared", "retention_review", review.id,
                 f"{len(due)} closed case{'s' if len(due) != 1 else ''} due for destruction")
    return review


def get_review(session: Session, review_id: int) -> RetentionReview:
    review = session.get(RetentionReview, review_id)
    if review is None:
        raise NotFound("No retention review has this number")
    return review


def items_of(session: Session, review: RetentionReview) -> list[RetentionItem]:
    return list(session.scalars(select(RetentionItem).where(RetentionItem.review_id == review.id)
                                .order_by(RetentionItem.closed_at, RetentionItem.id)))


def reviews(session: Session) -> list[tuple[RetentionReview, int, int]]:
    """Every review with its number of cases and of those destroyed: the retention report."""
    counts = dict(session.execute(select(RetentionItem.review_id, func.count()).group_by(RetentionItem.review_id)).all())
    destroyed = dict(session.execute(select(RetentionItem.review_id, func.count())
                                     .where(RetentionItem.destroyed_at.is_not(None))
                                     .group_by(RetentionItem.review_id)).all())
    return [(review, int(counts.get(review.id, 0)), int(destroyed.get(review.id, 0)))
            for review in session.scalars(select(RetentionReview).order_by(RetentionReview.id.desc()))]


def approve(session: Session, actor: audit.Actor, user: StaffUser, review: RetentionReview) -> None:
    if user.role not in (Role.MANAGER.value, Role.ADMINISTRATOR.value):
        raise PermissionDenied("Only a manager or an administrator approves destruction")
    if review.status != AWAITING_APPROVAL:
        raise Conflict("This review has already been approved")
    review.status = APPROVED
    review.approved_by = user.email
    review.approved_at = utcnow()
    audit.record(session, actor, "retention.review_approved", "retention_review", review.id,
                 "Destruction approved")
    jobs.enqueue(session, DESTROY_JOB, {"review_id": review.id})


def destroy_some(session: Session, settings: Settings, actor: audit.Actor, review: RetentionReview) -> int:
    """Destroy the next batch, checking each case afresh; what remains is queued again. Returns the batch size."""
    if review.status != APPROVED:
        return 0
    pending = list(session.scalars(select(RetentionItem).where(
        RetentionItem.review_id == review.id, RetentionItem.destroyed_at.is_(None), RetentionItem.skipped == "")
        .order_by(RetentionItem.id).limit(BATCH)))
    for item in pending:
        case = session.get(Case, item.case_id)
        if case is None:
            item.skipped = "The case no longer exists"
        elif case.legal_hold:
            item.skipped = f"Legal hold: {case.legal_hold[:280]}"
        elif not schedule.is_closed(case):
            item.skipped = "The case was reopened"
        elif case.destroyed_at is not None:
            item.destroyed_at = case.destroyed_at
        else:
            destruction.destroy_case(session, settings, actor, case)
            item.destroyed_at = case.destroyed_at
    if len(pending) < BATCH:
        review.status = DONE
        review.finished_at = utcnow()
        audit.record(session, actor, "retention.review_done", "retention_review", review.id, "Destruction finished")
    else:
        jobs.enqueue(session, DESTROY_JOB, {"review_id": review.id})
    return len(pending)
