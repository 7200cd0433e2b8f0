"""Every report in the catalogue: runs on the hand-worked quarter, and every figure lists exactly its cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, all_reports, figure_cases, get_report, run_report
from shared.errors import NotFound

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize("name", [r.name for r in all_reports()])
def test_every_figure_lists_exactly_the_cases_it_counts(db: Session, quarter: dict[str, Case], name: str) -> None:
    report = get_report(name)
    context = Context(today=TODAY, body_name="Example Council")
    period = parse_period("2026-Q1", TODAY)
    result = run_report(db, report, period, context)
    checked = 0
    for table in result.tables:
        for row in table.rows:
            for cell in row:
                if cell.figure is None:
                    continue
                behind = figure_cases(db, report, period, context, table=table.key, figure=cell.figure, row=cell.row)
                assert db.scalar(select(func.count()).select_from(behind.query.subquery())) == cell.value, \
                    (table.key, cell.row, cell.figure)
                checked += 1
    assert checked >= 10


def test_unknown_reports_tables_figures_and_rows_are_not_found(db: Session) -> None:
    context = Context(today=TODAY)
    period = parse_period("2026-Q1", TODAY)
    with pytest.raises(NotFound):
        get_report("no-such-report")
    report = get_report("timeliness")
    for table, figure, row in (("nope", "late", None), ("type", "nope", None), ("type", "late", "x9"),
                               ("type", "late", "'; drop table cases")):
        with pytest.raises(NotFound):
            figure_cases(db, report, period, context, table=table, figure=figure, row=row)
