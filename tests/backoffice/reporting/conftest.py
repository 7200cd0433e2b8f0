"""A hand-worked quarter every report is tested on: requests received in January to March 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.cases.models import Case
from backoffice.deadlines.actions import extend
from shared.audit import SYSTEM
from tests.factories import Office


def make_case(office: Office, received: str, *, kind: str = "foi", responded_after: int | None = 10,
          outcome: str | None = "granted_in_full", exemptions: tuple[str, ...] = (),
          closed_on: str | None = None) -> Case:
    case = office.new_case(kind, received_on=dt.date.fromisoformat(received))
    if responded_after is not None:
        case.responded_on = case.received_on + dt.timedelta(days=responded_after)
    if outcome is not None:
        day = dt.date.fromisoformat(closed_on) if closed_on else case.responded_on
        assert day is not None
        case.outcome = outcome
        case.exemptions = list(exemptions)
        case.closed_at = dt.datetime.combine(day, dt.time(17), dt.UTC)
    office.db.flush()
    return case


@pytest.fixture
def quarter(office: Office) -> dict[str, Case]:
    """Thirteen requests received in January to March 2026 and one before, each written out in the test."""
    made = {
        "A": make_case(office, "2026-01-05"),
        "B": make_case(office, "2026-01-06", responded_after=35, outcome="granted_in_part", exemptions=("s43",)),
        "C": make_case(office, "2026-01-07", responded_after=72, outcome="refused_in_full", exemptions=("s40", "s43")),
        "D": make_case(office, "2026-02-02", outcome="cost_limit"),
        "E": make_case(office, "2026-02-03", outcome="vexatious"),
        "F": make_case(office, "2026-02-04", outcome="repeated"),
        "G": make_case(office, "2026-02-05", outcome="not_held"),
        "H": make_case(office, "2026-02-06", outcome="advice_and_assistance"),
        "I": make_case(office, "2026-02-09", responded_after=None, outcome="clarification_not_received",
                   closed_on="2026-03-20"),
        # Open on 31 March and not yet due; answered in April, which the quarter must not see.
        "J": make_case(office, "2026-03-25", responded_after=26, outcome="granted_in_full"),
        # Open on 31 March and past its due date.
        "K": make_case(office, "2026-02-10", responded_after=None, outcome=None),
        "L": make_case(office, "2026-03-02", kind="eir"),
        "M": make_case(office, "2026-01-12", outcome="refused_in_full", exemptions=("s21",)),
        "before": make_case(office, "2025-12-30"),
    }
    extend(office.db, SYSTEM, made["B"], "Public interest test", on=dt.date(2026, 1, 20))
    office.db.flush()
    return made


