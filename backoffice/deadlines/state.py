"""The clock's state, as the case page and the API both show it: running, or stopped since when and why,
and whether it has been extended.

Read from the stored clock events for any number of cases in one query (a list
of 200 cases must not ask 200 times); the one-case questions are the same
replay, so the page, the API and the clock actions cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, ClockEventRecord
from backoffice.clocks import EventKind


class PauseReason(enum.StrEnum):
    """Why the clock stops, which decides the events the law recognises."""

    FEE = "fee"
    CLARIFICATION = "clarification"
    IDENTITY = "identity"


#: Each reason's stopping event and the event that answers it.
PAUSES: Mapping[PauseReason, tuple[EventKind, EventKind]] = {
    PauseReason.FEE: (EventKind.FEE_REQUESTED, EventKind.FEE_PAID),
    PauseReason.CLARIFICATION: (EventKind.CLARIFICATION_REQUESTED, EventKind.CLARIFICATION_RECEIVED),
    PauseReason.IDENTITY: (EventKind.IDENTITY_REQUESTED, EventKind.IDENTITY_RECEIVED),
}
_STARTS = {start: reason for reason, (start, _end) in PAUSES.items()}
_ENDS = {end: reason for reason, (_start, end) in PAUSES.items()}


@dataclass(frozen=True)
class ClockState:
    """A case's clock now: ``waiting_for`` and ``stopped_since`` are set while it is stopped."""

    running: bool = True
    stopped_since: dt.date | None = None
    waiting_for: PauseReason | None = None
    extended: bool = False


def replay(events: Iterable[tuple[EventKind, dt.date]]) -> ClockState:
    """The state after ``events`` (in date order): a stop is in force until the event that answers it."""
    pause: tuple[PauseReason, dt.date] | None = None
    extended = False
    for kind, on in events:
        if kind in _STARTS:
            pause = (_STARTS[kind], on)
        elif kind in _ENDS and pause is not None and pause[0] == _ENDS[kind]:
            pause = None
        elif kind == EventKind.EXTENDED:
            extended = True
    if pause is None:
        return ClockState(extended=extended)
    return ClockState(running=False, stopped_since=pause[1], waiting_for=pause[0], extended=extended)


def clock_states(session: Session, cases: Iterable[Case]) -> dict[int, ClockState]:
    """Each case's clock (by case id), from its events, for any number of cases in one query."""
    cases = list(cases)
    ids = [case.id for case in cases]
    if not ids:
        return {}
    rows = session.execute(select(ClockEventRecord.case_id, ClockEventRecord.kind, ClockEventRecord.on)
                           .where(ClockEventRecord.case_id.in_(ids))
                           .order_by(ClockEventRecord.case_id, ClockEventRecord.on, ClockEventRecord.id))
    events: dict[int, list[tuple[EventKind, dt.date]]] = {case_id: [] for case_id in ids}
    # A complaint at a later stage has a clock of that stage's own: an earlier stage's extension is not its.
    started = {case.id: case.stage_started_on for case in cases if case.stage_started_on is not None}
    for case_id, kind, on in rows:
        if case_id in started and on < started[case_id]:
            continue
        events[case_id].append((EventKind(kind), on))
    return {case_id: replay(history) for case_id, history in events.items()}


def clock_state(session: Session, case: Case) -> ClockState:
    return clock_states(session, [case])[case.id]


def waiting_for(session: Session, case: Case) -> PauseReason | None:
    """The stop in force, if the last stopping event has not been answered."""
    return clock_state(session, case).waiting_for
