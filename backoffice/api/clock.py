"""The clock in the API's terms: its state as the CaseClock JSON, and the clock actions from a request body.

The state is :mod:`backoffice.deadlines.state`'s, the same the case page shows.
The actions parse a request body against the published schema, then call
:mod:`backoffice.deadlines.actions`, which refuses what the law does not allow
(a Conflict, so a 409 problem) and audits what it does, with the API client as actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from backoffice.api.schemas import SCHEMAS, check, parse_date
from backoffice.cases.models import Case
from backoffice.deadlines import actions
from backoffice.deadlines.state import ClockState, clock_states
from shared import audit
from shared.errors import InvalidInput


def as_json(state: ClockState) -> dict[str, Any]:
    """The CaseClock object."""
    return {"running": state.running,
            "stopped_since": state.stopped_since.isoformat() if state.stopped_since else None,
            "waiting_for": state.waiting_for.value if state.waiting_for else None,
            "extended": state.extended}


def clock_json(session: Session, cases: Iterable[Case]) -> dict[int, dict[str, Any]]:
    """Each case's CaseClock object by case id, for a whole page of cases in one query."""
    return {case_id: as_json(state) for case_id, state in clock_states(session, cases).items()}


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
    actions.extend(session, actor, case, values["reason"])


def pause(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("ClockPause", body)
    actions.pause(session, actor, case, values["reason"], note=values.get("note") or "", on=_date(values, "on"))


def resume(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("ClockResume", body)
    actions.resume(session, actor, case, on=_date(values, "on"))


def clarification(session: Session, actor: audit.Actor, case: Case, body: Any) -> None:
    values = _body("Clarification", body)
    actions.clarification(session, actor, case, requested_on=_date(values, "requested_on"),
                          received_on=_date(values, "received_on"))
