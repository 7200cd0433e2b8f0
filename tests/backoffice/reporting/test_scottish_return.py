"""The Scottish Information Commissioner's return counts activity in the quarter, for a Scottish body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.deadlines.actions import pause
from backoffice.organisation.body import set_nation
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, get_report, run_report
from shared.audit import SYSTEM
from tests.backoffice.reporting.conftest import make_case
from tests.factories import Office

TODAY = dt.date(2026, 12, 3)


def _run(db: Session, period: str) -> dict[str, Any]:
    result = run_report(db, get_report("scottish-commissioner-return"), parse_period(period, TODAY),
                        Context(today=TODAY, body_name="Example Council"))
    table = result.tables[0]
    return {c.key: cell.value for c, cell in zip(table.columns, table.rows[0], strict=True)}


def test_a_scottish_bodys_quarter_by_activity(db: Session, office: Office, quarter: dict[str, Case]) -> None:
    set_nation(db, SYSTEM, "scotland")
    review = make_case(office, "2026-03-03", kind="foi_review", responded_after=10, outcome="upheld_in_part")
    pause(db, SYSTEM, quarter["J"], "fee", on=dt.date(2026, 3, 26))
    db.flush()
    q1 = _run(db, "2026-Q1")
    assert (q1["foisa_received"], q1["eirs_received"]) == (12, 1)
    # Answered in the quarter: A to H, L, M and the one received in December (activity, not arrival);
    # J was answered in April. C was answered late.
    assert (q1["responded"], q1["on_time"], q1["late"]) == (11, 10, 1)
    assert q1["failed"] == 1 and q1["fees"] == 1  # K was due in March and is unanswered
    assert (q1["full"], q1["part"], q1["withheld"], q1["not_held"]) == (3, 1, 5, 1)  # A, L and December's
    assert (q1["cost"], q1["vexatious"], q1["repeated"], q1["exemption"]) == (1, 1, 1, 2)
    assert (q1["reviews_received"], q1["reviews_modified"]) == (1, 1) and review.outcome == "upheld_in_part"
    assert q1["x_s40"] == 1 and q1["x_r10_4_a"] == 0
    q2 = _run(db, "2026-Q2")
    assert (q2["foisa_received"], q2["responded"], q2["full"]) == (0, 1, 1)  # J, answered and closed in April


def test_an_english_body_has_nothing_to_return(db: Session, quarter: dict[str, Case]) -> None:
    q1 = _run(db, "2026-Q1")
    assert q1["foisa_received"] == q1["responded"] == q1["closed"] == 0
