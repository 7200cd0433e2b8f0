"""Counting cases against figures in one pass, and the cases behind any one figure.

A report is a list of figures (a condition each) counted over a base set of cases, optionally split
into rows by a grouping (type, team, month). All of a report's counts come from one aggregate query, so
a report over a million cases reads them once. The cases behind a figure are the base, the row's
condition and the figure's condition selected together: the same conditions, so the list's length is
the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList, ColumnClause, False_, Null, True_, UnaryExpression
from sqlalchemy.sql.elements import Grouping as SqlGrouping
from sqlalchemy.sql.visitors import iterate, replacement_traverse

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
    #: The count, when it is known already (the cases were read to work something out, as for duration
    #: bands): ``where`` still selects exactly those cases, and no query counts them again.
    known: int | None = None


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
    return tally_together(session, base, figures, [grouping] if grouping is not None else [])[0]


#: Columns of a case with few values (types, outcomes, teams, owners, statuses): the first level of a count
#: groups by them as they are, and the figures' tests of them are worked out on the few groups.
KEY_COLUMNS = frozenset({"case_type_id", "outcome", "team_group_id", "owner_id", "status_id", "channel", "priority"})
_LOGIC = (BooleanClauseList, SqlGrouping, True_, False_, Null)


def _case_columns(element: Any) -> list[ColumnClause[Any]]:
    return [e for e in iterate(element) if isinstance(e, ColumnClause) and getattr(e, "table", None) is Case.__table__]


class _TwoLevel:
    """Counting in two levels: the cases grouped once, by a few values, then each figure summed over the groups.

    Counted as they are (``SUM(CASE WHEN ...)`` each), dozens of figures are each worked out again for
    every case. Here each figure's condition is taken apart, through its AND, OR and NOT, into tests. A
    test of the columns with few values (``KEY_COLUMNS``: the type, the outcome...) is kept as it is; any
    other test (a date compared, an extension recorded, an exemption listed) is an *atom*, worked out once
    per case as 1, 0 or NULL. The first level groups the base's cases by those columns, the atoms and the
    rows' grouping values, with ``COUNT(*)``: a few hundred groups out of a million cases. The second
    sums each figure over the groups, each atom read as ``atom = 1``, which is true, false or NULL as the
    test itself was, so NOT and NULL behave exactly as they do in the condition.

    The fewer the atoms, the faster the first level, so:

    - a shared condition (``flags``: closed, answered, in time, extended) is one atom, found as the same
      object, as an equal one, as its negation (NOT IN for IN), or as its terms inside a longer AND or OR
      (``and_`` merges an AND inside another into one list);
    - a flag made only of other flags and key columns (lapsed: closed, and an outcome) is not an atom;
    - a test the base itself requires (received in the period) is true of every case counted.

    The figures' own conditions are untouched: the cases behind a figure are selected by them.
    """

    def __init__(self, base: Condition, flags: Mapping[str, Condition]) -> None:
        self.base = base
        self.required = _terms(base, operators.and_)
        self.atoms: list[ColumnElement[Any]] = []
        self.negations: list[ColumnElement[Any]] = []
        self.by_id: dict[int, int] = {}
        self.flags: list[int] = []
        self.used: set[int] = set()
        self.keys: dict[str, ColumnClause[Any]] = {}
        #: Each element's rewriting by id: figures share their parts (``counted``, ``in_time``...).
        self.done: dict[int, Any] = {}
        for condition in flags.values():
            made = len(self.atoms)
            self._over_groups(condition)
            self.done.clear()
            if len(self.atoms) == made and not self._required(condition):
                continue  # made of flags and key columns already counted: read through them
            del self.atoms[made:], self.negations[made:]
            self.by_id = {k: v for k, v in self.by_id.items() if v < made}
            self.flags.append(self._atom(condition))
        self.used.clear()
        self.keys.clear()

    def _required(self, element: Any) -> bool:
        return any(term is element or term.compare(element, compare_keys=False) for term in self.required)

    def _atom(self, element: ColumnElement[Any]) -> int:
        found = self.by_id.get(id(element))
        if found is None:
            found = next((n for n, atom in enumerate(self.atoms) if atom.compare(element, compare_keys=False)), None)
            if found is None:
                found = len(self.atoms)
                self.atoms.append(element)
                self.negations.append(not_(element))
            self.by_id[id(element)] = found
        return found

    def _read(self, atom: int) -> Any:
        """The atom's column of the groups, by name: the groups' subquery is made once all are known."""
        self.used.add(atom)
        return literal_column(f"grouped.a{atom}", Integer) == 1

    def _swap(self, element: Any) -> Any:
        if id(element) not in self.done:
            self.done[id(element)] = self._rewrite(element)
        return self.done[id(element)]

    def _rewrite(self, element: Any) -> Any:
        found = self.by_id.get(id(element))
        if found is not None:
            return self._read(found)
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is Case.__table__:
            if element.name not in KEY_COLUMNS:  # a column used as a test itself (``Case.escalated``)
                return self._read(self._atom(element))
            column = self.keys[element.name] = Case.__table__.c[element.name]
            return literal_column(f"grouped.k_{element.name}", column.type)
        if isinstance(element, BooleanClauseList) and element.operator in (operators.and_, operators.or_):
            return self._list(element)
        if isinstance(element, _LOGIC) or (isinstance(element, UnaryExpression) and element.operator is operators.inv):
            return None
        if isinstance(element, ColumnElement) and any(c.name not in KEY_COLUMNS for c in _case_columns(element)):
            if self._required(element):
                return true()
            negated = next((n for n, negation in enumerate(self.negations)
                            if negation.compare(element, compare_keys=False)), None)
            if negated is not None:
                return not_(self._read(negated))
            return self._read(self._atom(element))
        return None

    def _list(self, element: BooleanClauseList) -> Any:
        """An AND or OR list, with the terms of any flag of the same kind merged into it read as that flag."""
        terms = list(element.clauses)
        parts: list[Any] = []
        for flag in self.flags:
            wanted = _terms(self.atoms[flag], element.operator)
            if len(wanted) < 2 or len(wanted) > len(terms):
                continue
            at = [next((n for n, t in enumerate(terms) if t is w or t.compare(w, compare_keys=False)), None)
                  for w in wanted]
            if all(n is not None for n in at) and len(set(at)) == len(at):
                parts.append(self._read(flag))
                terms = [t for n, t in enumerate(terms) if n not in at]
        parts += [self._over_groups(t) for t in terms]
        return and_(*parts) if element.operator is operators.and_ else or_(*parts)

    def _over_groups(self, condition: Condition) -> Any:
        return replacement_traverse(condition, {}, self._swap)  # type: ignore[call-overload]

    def query(self, conditions: Sequence[Condition], groupings: Sequence[Any]) -> tuple[Select[Any], list[Any]]:
        """The outer query: per grouping value (``g0``...), each condition's count (``m0``...)."""
        outer = [self._over_groups(c) for c in conditions]
        inner = [*(cast(self.atoms[n], Integer).label(f"a{n}") for n in sorted(self.used)),
                 *(column.label(f"k_{name}") for name, column in sorted(self.keys.items())),
                 *(_column_of(g).label(f"g{n}") for n, g in enumerate(groupings))]
        grouped = (select(*inner, func.count().label("n")).select_from(Case).where(self.base)
                   .group_by(*(c.element for c in inner)).subquery("grouped"))
        sums = [func.coalesce(func.sum(case((c, grouped.c.n), else_=0)), 0).label(f"m{n}") for n, c in enumerate(outer)]
        rows = [grouped.c[f"g{n}"] for n in range(len(groupings))]
        return select(*rows, *sums).select_from(grouped), rows


def _terms(condition: Any, operator: Any) -> list[Any]:
    """The terms of an AND (or OR) list, one term if it is not one."""
    if isinstance(condition, SqlGrouping):
        condition = condition.element
    if isinstance(condition, BooleanClauseList) and condition.operator is operator:
        return list(condition.clauses)
    return [condition]


def _column_of(expression: Any) -> Any:
    return expression.__clause_element__() if hasattr(expression, "__clause_element__") else expression


def tally_together(session: Session, base: Condition, figures: Sequence[Figure],
                   groupings: Sequence[Grouping], flags: Mapping[str, Condition] | None = None,
                   ) -> list[dict[Any, dict[str, int]]]:
    """The counts for each grouping (one table each) from a single pass over the cases: grouped by every
    grouping's expression at once, then added up per grouping. Without groupings, one row keyed None.
    The pass is in two levels (``_TwoLevel``); ``flags`` (``Facts.flags``) are the conditions many figures
    share, each worked out once per case."""
    measures = measures_of(figures)
    known = {m.key: m.known for m in measures if m.known is not None and not groupings}
    by_element = [m for m in measures if m.element is not None and m.scope is not None and not groupings
                  and m.key not in known]
    plain = [m for m in measures if m not in by_element and m.key not in known]
    query, rows = _TwoLevel(base, flags or {}).query([m.where for m in plain], [g.expression for g in groupings])
    if groupings:
        query = query.group_by(*rows)
    counted: list[dict[Any, dict[str, int]]] = [{} for _ in groupings] or [{}]
    # Every figure known or counted by element, and no grouping: nothing for the pass to count.
    found = session.execute(query).all() if plain or groupings else []
    elements = _count_elements(session, base, by_element) if not groupings else {}
    for row in found:
        values = list(row)
        group_values, sums = values[:len(groupings)], values[len(groupings):]
        for n, key in enumerate(group_values if groupings else [None]):
            into = counted[n].setdefault(key, {m.key: 0 for m in plain})
            for m, v in zip(plain, sums, strict=True):
                into[m.key] += int(v or 0)
    if not groupings:
        counted[0].setdefault(None, {m.key: 0 for m in plain})
        counted[0][None].update(elements)
        counted[0][None].update(known)  # type: ignore[arg-type]
    return counted


@contextmanager
def without_jit(session: Session) -> Iterator[None]:
    """PostgreSQL's JIT compiles a count's many expressions for about a second before a scan of a million
    cases that takes one (the cost estimate passes its thresholds): off while a report is counted, then as
    it was (``SET LOCAL``: the transaction's own setting)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    before = session.scalar(text("SELECT current_setting('jit')"))
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('jit', :was, true)"), {"was": before})


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
                 .where(base, scope, cast(Case.exemptions, String) != "[]",  # no elements to read
                        elements.c.value.in_(sorted(wanted)))  # type: ignore[arg-type]
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


__all__ = ["Figure", "Grouping", "Measure", "Ratio", "cases_behind", "measures_of", "month_grouping", "tally", "without_jit"]
