"""The report catalogue: each report is named, described, and built from tables of figures.

A report says what it counts (``TableSpec``: the cases, the figures, how rows split); running it and
finding the cases behind any figure are done here, once, for every report. So a new report is a module
that registers a spec builder, and its figures link to their cases without code of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from backoffice.reporting.facts import Condition, Facts, TypeSets
from backoffice.reporting.periods import Period
from backoffice.reporting.tally import Figure, Grouping, Measure, Ratio, cases_behind, tally_together, without_jit
from shared.errors import NotFound
from shared.tables import Rating

Value = str | int | float | dt.date | Rating | None


@dataclass(frozen=True)
class Cell:
    value: Value
    #: The figure (a measure's key) whose cases this count is; None for labels, ratios and grades.
    figure: str | None = None
    #: The row as a link writes it; None in a table without rows by group.
    row: str | None = None


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    definition: str
    kind: str = "integer"  # text | integer | number | percent | date | rating


@dataclass(frozen=True)
class Lead:
    """A column before the figures, from the row's group value (a label, a period, the body's name)."""

    column: Column
    value: Callable[[Any], Value]


@dataclass(frozen=True)
class TableSpec:
    key: str
    title: str
    base: Condition
    figures: Sequence[Figure]
    grouping: Grouping | None = None
    leads: Sequence[Lead] = ()
    #: Columns after the figures, from the row's counts (a grade from a percentage).
    trailers: Sequence[tuple[Column, Callable[[dict[str, Any]], Value]]] = ()
    #: Rows in this order (group values); others found are added after, in the database's order.
    order: Sequence[Any] = ()
    #: Add a "Total" row summing every grouped row.
    total: bool = False
    #: The dates the cases behind its figures are listed with, when not the case's own (None: the case's).
    listing: Listing | None = None


@dataclass(frozen=True)
class Listing:
    """What the cases behind a figure are listed with when the case's own dates are not what it counts: a
    complaint's stage figure counts one stage, and lists that stage's start, due date and answer, not those
    of the stage the complaint is at now. Each is an expression over ``Case``, as the figure's own are."""

    #: The stage the dates are of, as a reader says it ("Stage 1").
    label: str
    started: Any
    due: Any
    responded: Any


@dataclass(frozen=True)
class ListedCase:
    """One case behind a figure, with the dates of what the figure counts."""

    case: Any
    started_on: dt.date
    due_on: dt.date | None
    responded_on: dt.date | None


@dataclass(frozen=True)
class StackedSpec:
    """A table of row groups under the same columns, each group a spec counted on its own cases and
    figures: a complaint's stages, where one complaint is counted at stage 1 and again at stage 2, each
    judged against that stage's own time limit, so no one grouping of cases can split them. A cell's link
    names its group before its row: ``stage2-team.5`` is row ``5`` of the group keyed ``stage2-team``."""

    key: str
    title: str
    parts: Sequence[TableSpec]


@dataclass(frozen=True)
class ResultTable:
    """A table as it is shown and written. A report may also return one ready made, for figures that are
    not counts of cases (feedback, emails, averages): it has no cases behind it."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class ReportResult:
    name: str
    title: str
    period: Period
    as_at: dt.date
    #: The period has ended: the figures will not change.
    final: bool
    tables: list[ResultTable]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    """What a report may need beyond the database: the day, and the body's name as it is reported."""

    today: dt.date
    body_name: str = ""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    summary: str
    build: Callable[[Session, Facts, Context], Sequence[TableSpec | StackedSpec | ResultTable]]
    notes: tuple[str, ...] = ()
    #: Period kinds offered first on screen.
    default_period: str = "quarter"
    group: str = "Statutory returns"
    extra_notes: Callable[[Facts], Sequence[str]] = field(default=lambda facts: ())


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    if report.name in REPORTS:
        raise ValueError(f"Report {report.name!r} is registered twice")
    REPORTS[report.name] = report
    return report


def get_report(name: str) -> Report:
    _load()
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(f"There is no report called {name[:60]}") from None


def all_reports() -> list[Report]:
    _load()
    return list(REPORTS.values())


def _load() -> None:
    # The catalogue's modules register themselves on import.
    from backoffice.reporting import catalogue  # noqa: F401


def run_report(session: Session, report: Report, period: Period, context: Context) -> ReportResult:
    facts = Facts(session, period, context.today, TypeSets.load(session))
    with without_jit(session):
        specs = list(report.build(session, facts, context))
        counted = [s for s in specs if isinstance(s, TableSpec)]
        counted += [part for s in specs if isinstance(s, StackedSpec) for part in s.parts]
        counts = _count_together(session, counted, facts.flags())
    tables = [spec if isinstance(spec, ResultTable) else _run_stacked(spec, counts) if isinstance(spec, StackedSpec)
              else _run_table(spec, counts[id(spec)]) for spec in specs]
    return ReportResult(name=report.name, title=report.title, period=period, as_at=facts.as_at,
                        final=period.is_over(context.today), tables=tables,
                        notes=tuple(report.notes) + tuple(report.extra_notes(facts)))


def _columns(spec: TableSpec) -> list[Column]:
    figures = [Column(f.key, f.heading, f.definition, "percent" if isinstance(f, Ratio) else "integer")
               for f in spec.figures]
    return [lead.column for lead in spec.leads] + figures + [column for column, _ in spec.trailers]


def _count_together(session: Session, specs: Sequence[TableSpec],
                    flags: dict[str, Condition]) -> dict[int, dict[Any, dict[str, int]]]:
    """Each table's counts, tables of the same cases and figures split different ways (by type, team and
    month) counted in one pass over the cases."""
    counts: dict[int, dict[Any, dict[str, int]]] = {}
    families: dict[tuple[int, int], list[TableSpec]] = {}
    for spec in specs:
        if spec.grouping is None:
            counts[id(spec)] = tally_together(session, spec.base, spec.figures, [], flags)[0]
        else:
            families.setdefault((id(spec.base), id(spec.figures)), []).append(spec)
    for family in families.values():
        together = tally_together(session, family[0].base, family[0].figures,
                                  [s.grouping for s in family if s.grouping is not None], flags)
        for spec, counted in zip(family, together, strict=True):
            counts[id(spec)] = counted
    return counts


def _run_table(spec: TableSpec, counted: dict[Any, dict[str, int]]) -> ResultTable:
    order = [*spec.order, *(v for v in counted if v not in spec.order)] if spec.grouping is not None else [None]
    rows = [_row(spec, value, counted.get(value) or _zeros(spec), _row_text(spec, value)) for value in order]
    if spec.total and spec.grouping is not None:
        totals = _zeros(spec)
        for value in order:
            for key, count in (counted.get(value) or {}).items():
                totals[key] += count
        rows.append(_row(spec, _TOTAL, totals, "total"))
    return ResultTable(spec.key, spec.title, _columns(spec), rows)


def _run_stacked(spec: StackedSpec, counts: dict[int, dict[Any, dict[str, int]]]) -> ResultTable:
    rows: list[list[Cell]] = []
    for part in spec.parts:
        for row in _run_table(part, counts[id(part)]).rows:
            rows.append([replace(cell, row=part.key if cell.row is None else f"{part.key}.{cell.row}")
                         if cell.figure is not None else cell for cell in row])
    return ResultTable(spec.key, spec.title, _columns(spec.parts[0]) if spec.parts else [], rows)


_TOTAL = object()


def _zeros(spec: TableSpec) -> dict[str, int]:
    return {f.key: 0 for f in spec.figures if isinstance(f, Measure)}


def _row_text(spec: TableSpec, value: Any) -> str | None:
    if spec.grouping is None:
        return None
    return "none" if value is None else str(value)


def _row(spec: TableSpec, value: Any, counts: dict[str, int], row_text: str | None) -> list[Cell]:
    cells = [Cell("Total" if value is _TOTAL and n == 0 else (None if value is _TOTAL else lead.value(value)))
             for n, lead in enumerate(spec.leads)]
    with_ratios: dict[str, Any] = dict(counts)
    for figure in spec.figures:
        if isinstance(figure, Ratio):
            with_ratios[figure.key] = figure.of(counts)
            cells.append(Cell(with_ratios[figure.key]))
        else:
            cells.append(Cell(counts.get(figure.key, 0), figure=figure.key, row=row_text))
    cells += [Cell(make(with_ratios)) for _, make in spec.trailers]
    return cells


@dataclass(frozen=True)
class FigureCases:
    """The cases behind one figure, and what to call them."""

    report: Report
    table_title: str
    measure: Measure
    row_label: str | None
    #: The cases (``Case`` entities), newest received first: as many as the figure.
    query: Select[Any]
    listing: Listing | None = None

    def listed(self, session: Session, limit: int, offset: int = 0) -> list[ListedCase]:
        """A page of the cases, each with the dates the figure judged: its listing's, else the case's own."""
        if self.listing is None:
            return [ListedCase(case, case.received_on, case.due_on, case.responded_on)
                    for case in session.scalars(self.query.limit(limit).offset(offset))]
        dated = self.query.add_columns(self.listing.started.label("listed_started_on"),
                                       self.listing.due.label("listed_due_on"),
                                       self.listing.responded.label("listed_responded_on"))
        return [ListedCase(case, started, due, responded)
                for case, started, due, responded in session.execute(dated.limit(limit).offset(offset))]


def figure_cases(session: Session, report: Report, period: Period, context: Context, *, table: str,
                 figure: str, row: str | None = None) -> FigureCases:
    """The cases a figure in a report counts; NotFound for a table, figure or row the report has not."""
    facts = Facts(session, period, context.today, TypeSets.load(session))
    found = next((s for s in report.build(session, facts, context)
                  if isinstance(s, TableSpec | StackedSpec) and s.key == table), None)
    if found is None:
        raise NotFound("That report has no such table")
    title = found.title
    if isinstance(found, StackedSpec):
        group, _, rest = (row or "").partition(".")
        part = next((p for p in found.parts if p.key == group), None)
        if part is None:
            raise NotFound("That report has no such row")
        spec, row, title = part, rest or None, f"{found.title}: {part.title}"
    else:
        spec = found
    measure = next((f for f in spec.figures if isinstance(f, Measure) and f.key == figure), None)
    if measure is None:
        raise NotFound("That report has no such figure")
    row_condition: Condition | None = None
    row_label = None
    if spec.grouping is not None and row not in (None, "total"):
        value = None if row == "none" else spec.grouping.parse(row or "")
        if value is None and row != "none":
            raise NotFound("That report has no such row")
        row_condition = spec.grouping.condition(value)
        row_label = spec.grouping.label(value)
    elif row not in (None, "total"):
        raise NotFound("That report has no such row")
    return FigureCases(report, title, measure, row_label, cases_behind(spec.base, measure, row_condition),
                       spec.listing)


__all__ = [
    "REPORTS", "Cell", "Column", "Context", "FigureCases", "Lead", "ListedCase", "Listing", "Rating", "Report",
    "ReportResult",
    "ResultTable", "StackedSpec", "TableSpec", "Value", "all_reports", "figure_cases", "get_report", "register", "run_report",
]
