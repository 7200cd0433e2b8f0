"""When each case entered its current status, for "waiting on the requester for N days" routines.

A mapper hook on ``Case`` upserts the row whenever a case is inserted or its status changes, whoever
changes it (a caseworker, the API, an import or a routine), so the sweep finds long-waiting cases with
one indexed range scan (status_id, entered_at) instead of reading the audit log of every case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, event, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session

from backoffice.automation.models import StatusEntry
from backoffice.cases.models import Case
from shared.db import utcnow


def _upsert(connection: Connection, case_id: int, status_id: int, at: dt.datetime) -> None:
    upsert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = upsert(StatusEntry).values(case_id=case_id, status_id=status_id, entered_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[StatusEntry.case_id],
        set_={"status_id": stmt.excluded.status_id, "entered_at": stmt.excluded.entered_at},
        where=StatusEntry.status_id != stmt.excluded.status_id,
    )
    connection.execute(stmt)


@event.listens_for(Case, "after_insert")
def _case_inserted(_mapper: Mapper[Any], connection: Connection, case: Case) -> None:
    _upsert(connection, case.id, case.status_id, case.created_at or utcnow())


@event.listens_for(Case, "after_update")
def _case_updated(_mapper: Mapper[Any], connection: Connection, case: Case) -> None:
    state = inspect(case)
    if state.attrs.status_id.history.has_changes() or state.attrs.status.history.has_changes():
        _upsert(connection, case.id, case.status_id, utcnow())


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
