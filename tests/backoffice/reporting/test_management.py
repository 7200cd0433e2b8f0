"""Management on the hand-worked quarter: workload at the period's end, time to answer, service figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, ReportResult, figure_cases, get_report, run_report
from shared import audit
from shared.audit import SYSTEM
from tests.backoffice.reporting.conftest import make_case
from tests.factories import Office

TODAY = dt.date(2026, 12, 3)


def _run(db: Session, period: str = "2026-Q1") -> ReportResult:
    return run_report(db, get_report("management"), parse_period(period, TODAY), Context(today=TODAY))


def _table(result: ReportResult, key: str) -> dict[Any, dict[str, Any]]:
    table = next(t for t in result.tables if t.key == key)
    return {row[0].value: {c.key: cell.value for c, cell in zip(table.columns, row, strict=True)} for row in table.rows}


def test_workload_at_the_end_of_the_quarter(db: Session, quarter: dict[str, Case], time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC), tick=False)  # escalated "today"
    audit.record(db, SYSTEM, "case.escalated", "case", quarter["K"].reference, "Overdue")
    db.flush()
    total = _table(_run(db, "2026-03"), "type")["Total"]
    assert total["received"] == 2
    assert total["open"] == 2 and total["overdue"] == 1  # J (not yet due) and K (overdue)
    quarter_total = _table(_run(db), "type")["Total"]
    assert (quarter_total["received"], quarter_total["open"], quarter_total["overdue"]) == (13, 2, 1)
    assert quarter_total["escalated"] == 0  # escalated today, not in the quarter
    assert _table(_run(db, "2026-Q4"), "type")["Total"]["escalated"] == 1


def test_time_to_answer_and_service_figures(db: Session, quarter: dict[str, Case]) -> None:
    result = _run(db)
    times = _table(result, "response-times")
    assert times["Freedom of Information request"]["answered"] == 9  # J was answered in April
    assert times["Environmental Information request"]["median"] > 0
    service = _table(result, "service")
    assert service["Emails that could not be delivered"]["value"] == 0
    assert service["Request forms: satisfied or very satisfied (%)"]["value"] is None


def _moved(db: Session, case: Case, to: str, on: str) -> None:
    """A status change as staff or a routine records it, on the given day."""
    entry = audit.record(db, SYSTEM, "case.status_changed", "case", case.reference, f"Status changed to {to}",
                         {"from_status": "New", "to_status": to})
    entry.occurred_at = dt.datetime.combine(dt.date.fromisoformat(on), dt.time(10), dt.UTC)
    db.flush()


def test_complaints_by_the_furthest_stage_reached_by_the_end_of_the_quarter(db: Session, office: Office) -> None:
    one = make_case(office, "2026-01-10", kind="complaint", outcome="upheld")  # closed at stage 1 on 20 January
    two = make_case(office, "2026-01-15", kind="complaint", responded_after=36, outcome="not_upheld")
    _moved(db, two, "Stage 1", "2026-01-16")
    _moved(db, two, "Stage 2", "2026-02-01")  # closed at stage 2 on 20 February
    three = make_case(office, "2026-02-01", kind="complaint", responded_after=None, outcome=None)
    _moved(db, three, "Stage 2", "2026-02-10")
    _moved(db, three, "Stage 3", "2026-03-01")  # still open at stage 3
    later = make_case(office, "2026-03-01", kind="complaint", responded_after=60, outcome="partly_upheld")
    _moved(db, later, "Stage 2", "2026-04-05")  # after the quarter: at stage 1 and open on 31 March
    make_case(office, "2026-02-15", kind="complaint", responded_after=None, outcome=None)  # open at stage 1
    before = make_case(office, "2025-12-20", kind="complaint", responded_after=None, outcome=None)
    _moved(db, before, "Stage 2", "2026-01-05")  # received before the quarter: not counted
    make_case(office, "2026-02-02")  # an FOI request is not a complaint
    report, context = get_report("management"), Context(today=TODAY)
    q1 = parse_period("2026-Q1", TODAY)
    result = run_report(db, report, q1, context)
    row = _table(result, "complaints")["Complaint"]
    assert row["received"] == 5
    assert (row["stage1"], row["stage1_closed"], row["stage2"], row["stage2_closed"]) == (3, 1, 1, 1)
    assert (row["stage3"], row["stage3_closed"], row["open"]) == (1, 0, 3)
    assert row["stage1"] + row["stage2"] + row["stage3"] == row["received"]
    assert _table(result, "complaints")["Total"]["received"] == 5
    for figure, expected in (("stage2", {two}), ("stage3", {three}), ("stage1", {one, later}), ("open", {three, later})):
        behind = figure_cases(db, report, q1, context, table="complaints", figure=figure,
                              row=str(one.case_type_id))
        found = {c.reference for c in db.scalars(behind.query)}
        assert found >= {c.reference for c in expected} and len(found) == row[figure], figure
    # This year so far, judged today: the later complaint has since moved to stage 2 and been closed there.
    year = _table(run_report(db, report, parse_period("2026", TODAY), context), "complaints")["Complaint"]
    assert (year["stage1"], year["stage2"], year["stage2_closed"], year["open"]) == (2, 2, 2, 2)
