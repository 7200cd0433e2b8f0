"""What a report table is, independent of the file it ends up in.

Reports are built once and written as CSV, XLSX or ODS on request, so the
table says what each column *means* (a heading, a definition, a kind) and the
writers decide how that looks in each format. Rows are an iterable read exactly
once, so a million-row export can come straight from a database cursor without
ever being held in memory.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "integer", "percent", "date"]
Level = Literal["green", "amber", "red"]
KINDS: tuple[Kind, ...] = ("text", "integer", "percent", "date")
LEVELS: tuple[Level, ...] = ("green", "amber", "red")

#: Characters that make Excel or LibreOffice treat a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A signed number or phone number ("+44 808 157 0192", "-3.5") cannot call a function or name a cell.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 ().]*")
#: Control characters XML 1.0 cannot hold at all: openpyxl refuses them and they would make an ODS unreadable.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: Sheet names: Excel's limit and the characters it refuses; LibreOffice accepts every name Excel does.
SHEET_NAME_LENGTH = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
DEFINITIONS_SHEET = "Definitions"


@dataclass(frozen=True)
class Rating:
    """A judgement shown as words *and* a fill colour, so that colour is never the only cue (WCAG 1.4.1).

    ``text`` is what a reader sees ("Good", "Unsatisfactory"); ``level`` only
    picks the fill, and a CSV, which has no colour, carries the text alone.
    """

    text: str
    level: Level

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"A rating's level is one of {', '.join(LEVELS)}, not {self.level!r}")
        if not self.text.strip():
            raise ValueError("A rating needs words, not only a colour")


Cell = str | int | float | dt.date | Rating | None


@dataclass(frozen=True)
class Column:
    """One column: ``key`` for code, ``heading`` for people, ``definition`` for the Definitions sheet.

    ``kind`` sets the number format: a percent column holds fractions (0.875 is
    87.5%), as spreadsheets store them, shown to ``decimals`` places. ``width``
    (in characters) overrides the width guessed from the heading, which is all
    a streamed writer can know before the rows arrive.
    """

    key: str
    heading: str
    definition: str
    kind: Kind = "text"
    decimals: int = 1
    width: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"A column's kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if not 0 <= self.decimals <= 6:
            raise ValueError("A percent column has 0 to 6 decimal places")


@dataclass(frozen=True)
class Table:
    """A titled table: its columns, its rows (read once, may be a generator) and notes for the reader."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]
    notes: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"The table {self.title!r} has no columns")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"The table {self.title!r} has two columns with the same key")

    def checked_rows(self) -> Iterator[Sequence[Cell]]:
        """The rows, each checked as it is read: a wrong row is a bug, and is better stopped than written."""
        width = len(self.columns)
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise ValueError(f"Row {number} of {self.title!r} has {len(row)} values for {width} columns")
            for value in row:
                check_value(value)
            yield row


def check_value(value: object) -> None:
    """Refuse what no format can write faithfully, rather than let each writer guess differently."""
    if value is None or (isinstance(value, str | int | Rating) and not isinstance(value, bool)):
        return
    if isinstance(value, bool):
        raise TypeError("A cell cannot hold True or False: write the words the reader should see")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("A cell cannot hold an infinite or missing (NaN) number: leave it empty (None)")
        return
    if isinstance(value, dt.datetime):
        # Statutory dates are Europe/London calendar dates; a UTC timestamp would show the wrong day near midnight.
        raise TypeError("A cell holds a date, not a date and time: convert it to a Europe/London date first")
    if isinstance(value, dt.date):
        return
    raise TypeError(f"A cell cannot hold a {type(value).__name__}")


def clean_text(value: str) -> str:
    """Text safe to put in any spreadsheet cell: no XML-illegal characters, no formula."""
    return neutralise(ILLEGAL_XML.sub("", value))


def neutralise(value: str) -> str:
    """Stop a spreadsheet program running a cell as a formula (=HYPERLINK(...), =cmd|...), by a leading quote.

    Plain signed numbers and phone numbers are left alone: they cannot name a
    function or a cell, and "+44 808 157 0192" should survive an export intact.
    The same text goes into every format, so a CSV, an XLSX and an ODS of one
    report read the same.
    """
    if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names for the titles, none of them "Definitions" (which the writers add last).

    Excel refuses a name over 31 characters, with any of []:*?/\\, starting or
    ending with an apostrophe, or equal, ignoring case, to another sheet's;
    "History" is reserved by Excel. A clash gets " (2)", " (3)"... within the limit.
    """
    taken = {DEFINITIONS_SHEET.casefold(), "history"}
    names = []
    for number, title in enumerate(titles, start=1):
        base = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", title.replace("/", "-").replace("\\", "-")).split())
        base = base.strip("'").strip()
        base = base[:SHEET_NAME_LENGTH].rstrip("' ") or f"Table {number}"
        name, count = base, 1
        while name.casefold() in taken:
            count += 1
            suffix = f" ({count})"
            name = base[: SHEET_NAME_LENGTH - len(suffix)].rstrip("' ") + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def guessed_width(column: Column) -> int:
    """A width in characters from the heading and kind: a streamed sheet's widths are set before any row."""
    if column.width is not None:
        return column.width
    least = {"text": 16, "integer": 10, "percent": 10, "date": 12}[column.kind]
    return max(least, min(len(column.heading) + 2, 40))


DEFINITION_HEADINGS = ("Sheet", "Table", "Column", "Definition")
NOTE_HEADINGS = ("Sheet", "Table", "Note", "Text")
DEFINITION_WIDTHS = (32, 40, 28, 80)


def definitions(tables: Sequence[Table], names: Sequence[str]) -> tuple[list[list[str]], list[list[str]]]:
    """The Definitions sheet's two blocks: a row per column of every table, then a row per note.

    Both blocks have four columns so the long text (definition or note) sits in
    one wide, wrapped column; the writers put a blank row and a header between them.
    """
    columns = [[name, table.title, column.heading, column.definition]
               for name, table in zip(names, tables, strict=True) for column in table.columns]
    notes = [[name, table.title, f"Note {number}", note]
             for name, table in zip(names, tables, strict=True)
             for number, note in enumerate(table.notes, start=1)]
    return columns, notes
