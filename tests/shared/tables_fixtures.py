"""A small report used by the shared.tables tests: every kind of column, a rating of each level, hostile text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from shared.tables import Cell, Column, Rating, Table

COLUMNS = (
    Column("team", "Team", "The team that owned the case when it closed."),
    Column("closed", "Cases closed", "Cases closed in the period.", "integer"),
    Column("on_time", "Answered on time", "Share of closed cases answered by the statutory deadline.", "percent"),
    Column("last", "Last closed", "The date the last case closed (Europe/London).", "date"),
    Column("rating", "Rating", "Good at 90% or more, Adequate from 80%, Unsatisfactory below."),
)
ROWS: tuple[tuple[Cell, ...], ...] = (
    ("Information rights", 1234, 0.925, dt.date(2026, 3, 31), Rating("Good", "green")),
    ("=HYPERLINK(\"http://evil.example\",\"Click\")", 0, 0.8, None, Rating("Adequate", "amber")),
    ("Complaints – £ and é", 7, 0.5, dt.date(2026, 1, 2), Rating("Unsatisfactory", "red")),
    ("+44 808 157 0192", None, None, None, None),
)
NOTES = ("Figures are provisional until the annual return.", "Cases closed on a bank holiday count on the next working day.")
TITLE = "Timeliness by team: 2026/27"


def report(rows: Sequence[Sequence[Cell]] = ROWS) -> Table:
    return Table(TITLE, COLUMNS, rows, NOTES)


def generated(count: int) -> Iterator[tuple[Cell, ...]]:
    """Distinct rows made one at a time, as a database cursor would hand them over."""
    start = dt.date(2020, 1, 1)
    for i in range(count):
        yield (f"Team {i}", i, (i % 1000) / 1000, start + dt.timedelta(days=i % 3000),
               Rating("Good", "green") if i % 2 else None)
