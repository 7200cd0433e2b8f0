"""Management on the hand-worked quarter: workload at the period's end, time to answer, service figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, ReportResult, get_report, run_report
from shared import audit
from shared.audit import SYSTEM

TODAY = dt.date(2026, 12, 3)


def _run(db: Session, period: str = "2026-Q1") -> ReportResult:
    return run_report(db, get_report("management"), parse_period(period, TODAY), Context(today=TODAY))


def _table(result: ReportResult, key: str) -> dict[Any, dict[str, Any]]:
    table = next(t for t in result.tables if t.key == key)
    return {row[0].value: {c.key: cell.value for c, cell in zip(table.columns, row, strict=True)} for row in table.rows}


def test_workload_at_the_end_of_the_quarter(db: Session, quarter: dict[str, Case]) -> None:
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
