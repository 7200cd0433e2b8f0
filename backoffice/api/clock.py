"""The clock's state in the case JSON, and the API's clock actions in terms of the case core.

``clock_states`` reads the clock events of a whole page of cases in one query
(a list of 200 cases must not ask 200 times), replaying them the way
:func:`backoffice.deadlines.actions.waiting_for` does; a test holds the two to agreement.
The actions parse a request body against the published schema, then call
:mod:`backoffice.deadlines.actions`, which refuses what the law does not allow
(a Conflict, so a 409 problem) and audits what it does, with the API client as actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.api.schemas import SCHEMAS, check, parse_date
from backoffice.cases.models import Case, ClockEventRecord
from backoffice.clocks import EventKind
from backoffice.deadlines import actions as clock
from shared import audit
from shared.errors import InvalidInput

_STARTS = {EventKind.FEE_REQUESTED: clock.PauseReason.FEE,
           EventKind.CLARIFICATION_REQUESTED: clock.PauseReason.CLARIFICATION,
           EventKind.IDENTITY_REQUESTED: clock.PauseReason.IDENTITY}
_ENDS = {EventKind.FEE_PAID: clock.PauseReason.FEE,
         EventKind.CLARIFICATION_RECEIVED: clock.PauseReason.CLARIFICATION,
         EventKind.IDENTITY_RECEIVED: clock.PauseReason.IDENTITY}


@dataclass(frozen=True)
class ClockState:
    running: bool = True
    stopped_since: dt.date | None = None
    waiting_for: clock.PauseReason | None = None
    extended: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"running": self.running,
                "stopped_since": self.stopped_since.isoformat() if self.stopped_since else None,
                "waiting_for": self.waiting_for.value if self.waiting_for else None,
                "extended": self.extended}


def clock_states(session: Session, cases: Iterable[Case]) -> dict[int, ClockState]:
    """Each case's clock, from its events, for any number of cases in one query."""
    ids = [case.id for case in cases]
    states = dict.fromkeys(ids, ClockState())
    if not ids:
        return states
    rows = session.execute(select(ClockEventRecord.case_id, ClockEventRecord.kind, ClockEventRecord.on)
                           .where(ClockEventRecord.case_id.in_(ids))
                           .order_by(ClockEventRecord.case_id, ClockEventRecord.on, ClockEventRecord.id))
    waiting: dict[int, tuple[clock.PauseReason, dt.date] | None] = {}
    extended: set[int] = set()
    for case_id, kind, on in rows:
        event = EventKind(kind)
        if event in _STARTS:
            waiting[case_id] = (_STARTS[event], on)
        elif event in _ENDS and (current := waiting.get(case_id)) is not None and current[0] == _ENDS[event]:
            waiting[case_id] = None
        elif event == EventKind.EXTENDED:
            extended.add(case_id)
    for case_id in ids:
        pause = waiting.get(case_id)
        states[case_id] = ClockState(running=pause is None, stopped_since=pause[1] if pause else None,
                                     waiting_for=pause[0] if pause else None, extended=case_id in extended)
    return states


def _body(schema: str, body: Any) -> dict[str, Any]:
    errors = check(SCHEMAS[schema], body)
    if errors:
        raise InvalidInput(f"The request body does not match the {schema} schema", errors)
    assert isinstance(body, dict)  # the schema says object
    return body


def _date(body: dict[str, Any], name: str) -> dt.date | None:
    value = body.get(name)
    return parse_date(value) if isinstance(value, str) else None


def extend(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("ClockExtend", body)
    clock.extend(session, actor, case, values["reason"])


def pause(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("ClockPause", body)
    clock.pause(session, actor, case, values["reason"], note=values.get("note") or "", on=_date(values, "on"))


def resume(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("ClockResume", body)
    clock.resume(session, actor, case, on=_date(values, "on"))


def clarification(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("Clarification", body)
    clock.clarification(session, actor, case, requested_on=_date(values, "requested_on"),
                        received_on=_date(values, "received_on"))
