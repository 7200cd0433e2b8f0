"""The managers' dashboard: a few figures from the reports drawn as charts, each beside its numbers.

Each panel is taken from a report's result, so a figure on the dashboard is the report's own figure and
links to the same cases. Charts are a summary; the table under each is the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.reporting.periods import Period
from backoffice.reporting.registry import Cell, Context, ReportResult, ResultTable, get_report, run_report


@dataclass(frozen=True)
class Point:
    label: str
    cell: Cell
    #: The report and table the cell's figure is in, for its link.
    report: str
    table: str


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    kind: str  # "bar" | "line"
    unit: str
    points: list[Point]

    @property
    def values(self) -> list[int | float | None]:
        return [p.cell.value if isinstance(p.cell.value, int | float) else None for p in self.points]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    timeliness: ReportResult
    panels: list[Panel]


def _column(table: ResultTable, key: str) -> int:
    return next(n for n, c in enumerate(table.columns) if c.key == key)


def _table(result: ReportResult, key: str) -> ResultTable:
    return next(t for t in result.tables if t.key == key)


def dashboard(session: Session, period: Period, context: Context) -> Dashboard:
    timeliness = run_report(session, get_report("timeliness"), period, context)
    returned = run_report(session, get_report("cabinet-office-return"), period, context)
    by_type = _table(timeliness, "type")
    percent, judged = _column(by_type, "percent"), _column(by_type, "judged")
    in_time = Panel("in-time", "Answered in time, by type", "bar", "%", [
        Point(str(row[0].value), row[percent], "timeliness", "type") for row in by_type.rows
        if row[0].value != "Total" and row[judged].value])
    months = _table(timeliness, "month")
    received = _column(months, "received")
    arrivals = Panel("received", "Cases received, by month", "line", "", [
        Point(str(row[0].value), row[received], "timeliness", "month") for row in months.rows
        if row[0].value != "Total"])
    single = returned.tables[0]
    outcomes = Panel("outcomes", "FOI and EIR requests, by outcome", "bar", "", [
        Point(single.columns[_column(single, key)].heading.removeprefix("Initial Outcome: "),
              single.rows[0][_column(single, key)], "cabinet-office-return", "return")
        for key in ("granted", "partial", "withheld", "not_held", "advice", "lapsed", "not_provided")])
    return Dashboard(period=period, timeliness=timeliness, panels=[in_time, arrivals, outcomes])


__all__ = ["Dashboard", "Panel", "Point", "dashboard"]
