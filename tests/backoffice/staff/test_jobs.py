"""The back office's hourly tidy removes what has expired and keeps what is live."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from backoffice.staff.accounts import Role, create_user
from backoffice.staff.jobs import KIND, tidy
from backoffice.staff.sessions import StaffSession
from shared import audit, jobs
from shared.db import utcnow


def test_tidy_removes_long_expired_sessions_only(runtime) -> None:
    now = utcnow()
    with runtime.factory() as session, session.begin():
        user = create_user(session, audit.SYSTEM, email="a@example.gov.uk", name="A", role=Role.CASEWORKER,
                           password=None)
        session.add_all([
            StaffSession(token_hash="a" * 64, user_id=user.id, expires_at=now - dt.timedelta(days=3)),
            StaffSession(token_hash="b" * 64, user_id=user.id, expires_at=now + dt.timedelta(hours=1)),
        ])
    with runtime.factory() as session, session.begin():
        tidy(session, {}, jobs.JobContext(settings=runtime.settings, job_id=0, attempts=1))
    with runtime.factory() as session:
        assert session.scalar(select(func.count(StaffSession.id))) == 1


def test_tidy_is_scheduled(runtime) -> None:
    from shared.worker import schedules
    from tests.conftest import SPECS

    assert KIND in {s.kind for s in schedules(SPECS)}
