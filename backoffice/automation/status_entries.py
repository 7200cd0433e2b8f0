"""When each case entered its current status, for "waiting on the requester for N days" routines.

A subscriber to the case events that move a case into a status (created, status changed, closed,
reopened) upserts the row in the same transaction, whoever made the change (a caseworker, the API,
an import or a routine), so the sweep finds long-waiting cases with one indexed range scan
(status_id, entered_at) instead of reading the audit log of every case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.automation.models import StatusEntry
from backoffice.cases import events
from backoffice.cases.models import Case
from shared.db import utcnow


def _upsert(session: Session, case_id: int, status_id: int, at: dt.datetime) -> None:
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = upsert(StatusEntry).values(case_id=case_id, status_id=status_id, entered_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[StatusEntry.case_id],
        set_={"status_id": stmt.excluded.status_id, "entered_at": stmt.excluded.entered_at},
        where=StatusEntry.status_id != stmt.excluded.status_id,
    )
    session.execute(stmt)


def case_created(session: Session, event: events.CaseCreated) -> None:
    case = session.get(Case, event.case_id)
    assert case is not None
    _upsert(session, case.id, case.status_id, case.created_at or utcnow())


def status_changed(session: Session, event: events.StatusChanged) -> None:
    _upsert(session, event.case_id, event.to_status_id, utcnow())


def case_closed(session: Session, event: events.CaseClosed) -> None:
    _upsert(session, event.case_id, event.status_id, utcnow())


def case_reopened(session: Session, event: events.CaseReopened) -> None:
    _upsert(session, event.case_id, event.status_id, utcnow())


#: Registered at start-up by ``backoffice.plugin``.
SUBSCRIBERS: tuple[events.Subscription, ...] = (
    (events.CaseCreated, case_created),
    (events.StatusChanged, status_changed),
    (events.CaseClosed, case_closed),
    (events.CaseReopened, case_reopened),
)


def entered_at(session: Session, case: Case) -> dt.datetime | None:
    row = session.get(StatusEntry, case.id)
    return row.entered_at if row is not None and row.status_id == case.status_id else None


def backfill(session: Session) -> int:
    """Rows for cases that predate the hook (their last update is the best guess of when the status was entered)."""
    missing = select(Case.id, Case.status_id, func.coalesce(Case.updated_at, Case.created_at)).where(
        ~select(StatusEntry.case_id).where(StatusEntry.case_id == Case.id).exists())
    rows = [{"case_id": i, "status_id": s, "entered_at": at} for i, s, at in session.execute(missing)]
    if rows:
        session.execute(insert(StatusEntry), rows)
    return len(rows)
