"""The clock state the case page and the API both show: a stop is in force until the event that answers it,
and a page of cases is read in one query with the same answer as each case alone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from backoffice.clocks import EventKind
from backoffice.deadlines import actions
from backoffice.deadlines.state import ClockState, PauseReason, clock_state, clock_states, replay, waiting_for
from tests.backoffice.conftest import SYSTEM, Office

D = dt.date(2026, 3, 2)


def _on(days: int) -> dt.date:
    return D + dt.timedelta(days=days)


def test_a_stop_lasts_until_its_own_answer() -> None:
    assert replay([]) == ClockState()
    asked = replay([(EventKind.CLARIFICATION_REQUESTED, _on(1))])
    assert asked == ClockState(running=False, stopped_since=_on(1), waiting_for=PauseReason.CLARIFICATION)
    # A fee paid does not answer a request for clarification.
    assert replay([(EventKind.CLARIFICATION_REQUESTED, _on(1)), (EventKind.FEE_PAID, _on(2))]) == asked
    answered = replay([(EventKind.CLARIFICATION_REQUESTED, _on(1)), (EventKind.CLARIFICATION_RECEIVED, _on(2)),
                       (EventKind.EXTENDED, _on(3))])
    assert answered == ClockState(extended=True)
    later = replay([(EventKind.IDENTITY_REQUESTED, _on(1)), (EventKind.IDENTITY_RECEIVED, _on(2)),
                    (EventKind.FEE_REQUESTED, _on(4))])
    assert later == ClockState(running=False, stopped_since=_on(4), waiting_for=PauseReason.FEE)


def test_a_page_of_cases_is_read_in_one_query_and_agrees_with_each_case(office: Office) -> None:
    received = dt.date(2025, 3, 3)
    running, paused, extended = (office.new_case(t, received_on=received) for t in ("foi", "sar", "eir"))
    actions.pause(office.db, SYSTEM, paused, PauseReason.IDENTITY, on=dt.date(2025, 3, 4))
    actions.extend(office.db, SYSTEM, extended, "Complex and voluminous", on=dt.date(2025, 3, 10))
    office.db.flush()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = office.db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        states = clock_states(office.db, [running, paused, extended])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert states == {running.id: ClockState(),
                      paused.id: ClockState(running=False, stopped_since=dt.date(2025, 3, 4),
                                            waiting_for=PauseReason.IDENTITY),
                      extended.id: ClockState(extended=True)}
    for case in (running, paused, extended):
        assert clock_state(office.db, case) == states[case.id]
        assert waiting_for(office.db, case) == states[case.id].waiting_for
    assert clock_states(office.db, []) == {}
