"""Counting cases against figures in one pass, and the cases behind any one figure.

A report is a list of figures (a condition each) counted over a base set of cases, optionally split
into rows by a grouping (type, team, month). All of a report's counts come from one aggregate query, so
a report over a million cases reads them once. The cases behind a figure are the base, the row's
condition and the figure's condition selected together: the same conditions, so the list's length is
the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from backoffice.cases.models import Case
from backoffice.reporting.facts import Condition


@dataclass(frozen=True)
class Measure:
    key: str
    heading: str
    definition: str
    where: Condition


@dataclass(frozen=True)
class Ratio:
    """A percentage of two measures, never a count: it has no cases of its own (its numerator has)."""

    key: str
    heading: str
    definition: str
    numerator: str
    denominator: str

    def of(self, counts: dict[str, int]) -> float | None:
        below = counts.get(self.denominator, 0)
        return round(100 * counts.get(self.numerator, 0) / below, 1) if below else None


Figure = Measure | Ratio


@dataclass(frozen=True)
class Grouping:
    """How rows split: an expression over cases, a label for each value, and the value as a link writes it."""

    key: str
    heading: str
    expression: ColumnElement[Any] | InstrumentedAttribute[Any]
    label: Callable[[Any], str]
    #: The row's value back from a link's text (None: not a value of this grouping).
    parse: Callable[[str], Any] = field(default=lambda text: int(text) if text.isdigit() else None)

    def condition(self, value: Any) -> Condition:
        return self.expression.is_(None) if value is None else self.expression == value


def measures_of(figures: Sequence[Figure]) -> list[Measure]:
    return [f for f in figures if isinstance(f, Measure)]


def tally(session: Session, base: Condition, figures: Sequence[Figure],
          grouping: Grouping | None = None) -> dict[Any, dict[str, int]]:
    """Counts of every measure, by row value (``None`` is the key of the one row when not grouped)."""
    measures = measures_of(figures)
    sums = [func.coalesce(func.sum(case((m.where, 1), else_=0)), 0).label(f"m{n}") for n, m in enumerate(measures)]
    query: Select[Any]
    if grouping is None:
        query = select(*sums).select_from(Case).where(base)
    else:
        query = select(grouping.expression.label("g"), *sums).select_from(Case).where(base).group_by(grouping.expression)
    counted: dict[Any, dict[str, int]] = {}
    for row in session.execute(query):
        values = list(row)
        key = values.pop(0) if grouping is not None else None
        counted[key] = {m.key: int(v) for m, v in zip(measures, values, strict=True)}
    if grouping is None and None not in counted:
        counted[None] = {m.key: 0 for m in measures}
    return counted


def cases_behind(base: Condition, measure: Measure, row: Condition | None = None) -> Select[Any]:
    """The cases a figure counts, newest received first."""
    return (select(Case).where(and_(base, row if row is not None else true(), measure.where))
            .order_by(Case.received_on.desc(), Case.id.desc()))


def month_grouping(expression: ColumnElement[dt.date] | InstrumentedAttribute[dt.date]) -> Grouping:
    """Rows by calendar month of a date column (``2026-03``), on SQLite and PostgreSQL alike."""
    month = cast(func.extract("year", expression) * 100 + func.extract("month", expression), Integer)

    def label(value: Any) -> str:
        number = int(value)
        return dt.date(number // 100, number % 100, 1).strftime("%B %Y")

    def parse(text: str) -> int | None:
        return int(text) if text.isdigit() and len(text) == 6 else None

    return Grouping("month", "Month", month, label, parse)


__all__ = ["Figure", "Grouping", "Measure", "Ratio", "cases_behind", "measures_of", "month_grouping", "tally"]
