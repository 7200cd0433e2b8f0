"""Staff sign-in's scheduled tidying: sessions and reset links that only mattered until they expired."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from backoffice.staff.password_reset import PasswordResetToken
from backoffice.staff.sessions import StaffSession
from shared import jobs
from shared.apps import Schedule
from shared.db import utcnow

KIND = "backoffice.tidy"


def tidy(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    """Expired or revoked sessions and used or expired reset links have no further use after a day."""
    cutoff = utcnow() - dt.timedelta(days=1)
    session.execute(delete(StaffSession).where(or_(StaffSession.expires_at < cutoff, StaffSession.revoked_at < cutoff)))
    session.execute(delete(PasswordResetToken).where(
        or_(PasswordResetToken.expires_at < cutoff, PasswordResetToken.used_at < cutoff)))


def job_kinds() -> dict[str, jobs.JobKind]:
    return {KIND: jobs.JobKind(handle=tidy)}


SCHEDULES = (Schedule(kind=KIND, every_seconds=3600),)
