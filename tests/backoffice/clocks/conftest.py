from __future__ import annotations

from datetime import date

import pytest

from backoffice.clocks import CalendarSet, ClockEvent, DeadlineEngine, EventKind, default_calendars


@pytest.fixture(scope="session")
def calendars() -> CalendarSet:
    return default_calendars()


@pytest.fixture(scope="session")
def engine(calendars: CalendarSet) -> DeadlineEngine:
    return DeadlineEngine(calendars)


def d(text: str) -> date:
    return date.fromisoformat(text)


def ev(kind: str, on: str, reason: str | None = None, days: int | None = None) -> ClockEvent:
    return ClockEvent(EventKind(kind), d(on), reason, days)
