"""Counting cases against figures in one pass, and the cases behind any one figure.

A report is a list of figures (a condition each) counted over a base set of cases, optionally split
into rows by a grouping (type, team, month). All of a report's counts come from one aggregate query, so
a report over a million cases reads them once. The cases behind a figure are the base, the row's
condition and the figure's condition selected together: the same conditions, so the list's length is
the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import replacement_traverse

from backoffice.cases.models import Case
from backoffice.reporting.facts import Condition


@dataclass(frozen=True)
class Measure:
    key: str
    heading: str
    definition: str
    where: Condition
    #: For a count of one key of the cases' exemption list: the key, and the cases it is counted among.
    #: ``where`` still says which cases (for their list); the count comes from one pass over every key.
    element: str | None = None
    scope: Condition | None = None


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


def _sums(measures: Sequence[Measure]) -> list[Any]:
    return [func.coalesce(func.sum(case((m.where, 1), else_=0)), 0).label(f"m{n}") for n, m in enumerate(measures)]


def tally(session: Session, base: Condition, figures: Sequence[Figure],
          grouping: Grouping | None = None) -> dict[Any, dict[str, int]]:
    """Counts of every measure, by row value (``None`` is the key of the one row when not grouped)."""
    return tally_together(session, base, figures, [grouping] if grouping is not None else [])[0]


class _Flagged:
    """Counting over the cases with the conditions most figures share worked out once per case.

    Figures are built from the same few conditions (closed by the judging day, answered, in time,
    extended, lapsed): counted as they are, each figure evaluates them again for every case. Here the
    cases are read through a subquery that has each of them as a 0/1 column, and every figure's condition
    reads those columns in their place (the condition objects are the same ones, ``Facts._once``). The
    figures' own conditions are untouched: the cases behind a figure are still selected by them.
    """

    def __init__(self, base: Condition, flags: Mapping[str, Condition]) -> None:
        self.flags = {id(condition): name for name, condition in flags.items()}
        columns = [*Case.__table__.c, *(case((condition, 1), else_=0).label(f"f_{name}")
                                        for name, condition in flags.items())]
        self.rows = select(*columns).where(base).subquery("flagged")
        self.adapter = ClauseAdapter(self.rows)

    def _swap(self, element: Any) -> Any:
        name = self.flags.get(id(element))
        return self.rows.c[f"f_{name}"] == 1 if name is not None else None

    def adapt(self, expression: Any) -> Any:
        if hasattr(expression, "__clause_element__"):  # an ORM attribute (``Case.team_group_id``): its column
            expression = expression.__clause_element__()
        return self.adapter.traverse(replacement_traverse(expression, {}, self._swap))  # type: ignore[call-overload]


def tally_together(session: Session, base: Condition, figures: Sequence[Figure],
                   groupings: Sequence[Grouping], flags: Mapping[str, Condition] | None = None,
                   ) -> list[dict[Any, dict[str, int]]]:
    """The counts for each grouping (one table each) from a single pass over the cases: grouped by every
    grouping's expression at once, then added up per grouping. Without groupings, one row keyed None.
    With ``flags`` (``Facts.flags``), the shared conditions are worked out once per case (``_Flagged``)."""
    measures = measures_of(figures)
    by_element = [m for m in measures if m.element is not None and m.scope is not None and not groupings]
    plain = [m for m in measures if m not in by_element]
    query: Select[Any]
    if flags:
        flagged = _Flagged(base, flags)
        sums = [func.coalesce(func.sum(case((flagged.adapt(m.where), 1), else_=0)), 0).label(f"m{n}")
                for n, m in enumerate(plain)]
        expressions = [flagged.adapt(g.expression) for g in groupings]
        query = select(*(e.label(f"g{n}") for n, e in enumerate(expressions)), *sums).select_from(flagged.rows)
    else:
        expressions = [g.expression for g in groupings]
        query = (select(*(e.label(f"g{n}") for n, e in enumerate(expressions)), *_sums(plain))
                 .select_from(Case).where(base))
    if groupings:
        query = query.group_by(*expressions)
    counted: list[dict[Any, dict[str, int]]] = [{} for _ in groupings] or [{}]
    for row in session.execute(query):
        values = list(row)
        group_values, sums = values[:len(groupings)], values[len(groupings):]
        for n, key in enumerate(group_values if groupings else [None]):
            into = counted[n].setdefault(key, {m.key: 0 for m in plain})
            for m, v in zip(plain, sums, strict=True):
                into[m.key] += int(v or 0)
    if not groupings:
        counted[0].setdefault(None, {m.key: 0 for m in plain})
        counted[0][None].update(_count_elements(session, base, by_element))
    return counted


def _count_elements(session: Session, base: Condition, measures: Sequence[Measure]) -> dict[str, int]:
    """Exemption counts from one pass over the lists (a GROUP BY of their elements) for each scope, instead
    of one text match per exemption: the same cases as each measure's condition, a fraction of the time."""
    counts = {m.key: 0 for m in measures}
    scopes: dict[int, tuple[Condition, list[Measure]]] = {}
    for m in measures:
        scopes.setdefault(id(m.scope), (m.scope, []))[1].append(m)  # type: ignore[arg-type]
    postgres = session.get_bind().dialect.name == "postgresql"
    for scope, chosen in scopes.values():
        elements = (func.json_array_elements_text(Case.exemptions) if postgres
                    else func.json_each(Case.exemptions)).table_valued("value").alias("element")
        wanted = {m.element: m.key for m in chosen}
        query = (select(elements.c.value, func.count(func.distinct(Case.id))).select_from(Case).join(elements, true())
                 .where(base, scope, elements.c.value.in_(sorted(wanted)))  # type: ignore[arg-type]
                 .group_by(elements.c.value))
        for value, number in session.execute(query):
            counts[wanted[value]] = int(number)
    return counts


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
