"""Automation fixtures: the seeded office with its default automation, a clock set to a known Monday,
and helpers to sweep, read the outbox and count the rows a sweep writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, select
from sqlalchemy.orm import Session

from backoffice.automation.config import seed_automation
from backoffice.automation.models import Firing
from backoffice.automation.sweep import SweepResult, sweep
from backoffice.automation.timing import LONDON
from backoffice.cases.models import Task
from shared import audit
from shared.audit import AuditEvent
from shared.mail.models import OutboxMessage
from shared.settings import Settings
from tests.backoffice.conftest import SYSTEM, Office

#: A Monday in March 2026: an FOI received now is due on Tuesday 31 March (17 March is a Northern Ireland bank
#: holiday; British Summer Time starts on the 29th).
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    """The frozen clock, starting at ``START``; ``clock.move_to(when)`` travels."""
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def auto(office: Office, clock) -> Office:
    seed_automation(office.db, SYSTEM)
    return office


def run(db: Session, settings: Settings, **kwargs: Any) -> SweepResult:
    result = sweep(db, settings, **kwargs)
    db.flush()
    return result


def outbox(db: Session, subject_contains: str = "") -> list[tuple[str, str]]:
    rows = db.execute(select(OutboxMessage.to_address, OutboxMessage.subject).order_by(OutboxMessage.id))
    return [(to, subject) for to, subject in rows if subject_contains in subject]


def addresses(db: Session, subject_contains: str) -> list[str]:
    return sorted(to for to, _ in outbox(db, subject_contains))


def actions(db: Session, reference: str, action: str) -> list[AuditEvent]:
    return [e for e in audit.history(db, "case", reference) if e.action == action]


def firing_keys(db: Session) -> list[tuple[str, str, str]]:
    return [(f.kind, f.target, f.slot) for f in db.scalars(select(Firing).order_by(Firing.id))]


def drop_tasks(db: Session) -> None:
    db.execute(delete(Task))


@contextmanager
def count_writes(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE sent to the database while inside (the sweep's writes)."""
    written: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            written.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield written
    finally:
        event.remove(engine, "before_cursor_execute", listen)
