"""Who is due: each case type's retention period, and the legal hold that keeps a case whatever its period.

A case is due when it has been closed for its type's whole period, counted in calendar months from the day
it closed (London), has no legal hold, and has not been destroyed. Setting a period and placing or lifting a
hold are audited: the retention report must be able to say why a case went, or why it stayed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.cases.models import Case, CaseType, StatusKind
from backoffice.clocks import add_months
from backoffice.clocks.service_hours import LONDON
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput

#: A hundred years: longer is "keep", which is a blank period.
MAX_MONTHS = 1200
HOLD_LIMIT = 500


def parse_months(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_MONTHS:
        raise InvalidInput("Enter the retention period as a number of months",
                           {"retention_months": f"Enter a whole number of months from 1 to {MAX_MONTHS}, "
                                                "or leave it blank to keep closed cases"})
    return int(value)


def set_retention(session: Session, actor: audit.Actor, case_type: CaseType, months: int | None) -> None:
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise InvalidInput("Enter the retention period as a number of months",
                           {"retention_months": f"Enter a whole number of months from 1 to {MAX_MONTHS}"})
    if case_type.retention_months == months:
        return
    before = case_type.retention_months
    case_type.retention_months = months
    audit.record(session, actor, "case_type.retention_changed", "case_type", case_type.key,
                 f"Retention of closed {case_type.name} cases: {_words(before)} to {_words(months)}")


def _words(months: int | None) -> str:
    return "kept" if months is None else f"{months} month{'s' if months != 1 else ''}"


def cutoff(months: int, today: dt.date) -> dt.datetime:
    """Closed before this instant (the start of the London day ``months`` months ago) means due today."""
    day = add_months(today, -months)
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)


def due_condition(session: Session, today: dt.date) -> ColumnElement[bool]:
    periods = session.execute(select(CaseType.id, CaseType.retention_months)
                              .where(CaseType.retention_months.is_not(None))).all()
    by_type = [and_(Case.case_type_id == type_id, Case.closed_at < cutoff(months, today))
               for type_id, months in periods if months is not None]
    if not by_type:
        return false()
    return and_(Case.closed_at.is_not(None), Case.destroyed_at.is_(None), Case.legal_hold.is_(None), or_(*by_type))


def due_cases(session: Session, today: dt.date, limit: int = 10_000) -> list[Case]:
    return list(session.scalars(select(Case).where(due_condition(session, today))
                                .order_by(Case.closed_at, Case.id).limit(limit)))


def place_hold(session: Session, actor: audit.Actor, case: Case, reason: str) -> None:
    why = reason.strip()
    if not why:
        raise InvalidInput("Enter why the case must be kept", {"legal_hold": "Enter why the case must be kept"})
    if len(why) > HOLD_LIMIT:
        raise InvalidInput("The reason is too long", {"legal_hold": f"Enter {HOLD_LIMIT} characters or fewer"})
    if case.destroyed_at is not None:
        raise Conflict(f"{case.reference}'s personal data was destroyed on {case.destroyed_at:%-d %B %Y}")
    case.legal_hold = why
    case.updated_at = utcnow()
    audit.record(session, actor, "case.legal_hold_placed", "case", case.reference, f"Legal hold: {why}")


def lift_hold(session: Session, actor: audit.Actor, case: Case) -> None:
    if not case.legal_hold:
        raise Conflict(f"{case.reference} has no legal hold")
    case.legal_hold = None
    case.updated_at = utcnow()
    audit.record(session, actor, "case.legal_hold_lifted", "case", case.reference, "Legal hold lifted")


def is_closed(case: Case) -> bool:
    return case.status.kind == StatusKind.CLOSED and case.closed_at is not None
