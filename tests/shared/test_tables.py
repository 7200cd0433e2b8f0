"""Report tables (shared/tables): the model's checks, sheet names, formats, and CSV read back with the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence

import pytest

from shared.tables import (
    FORMATS,
    Cell,
    Column,
    Rating,
    Table,
    content_type,
    extension,
    neutralise,
    sheet_names,
    write,
)

# A small report the other test_tables_* modules share: every kind of column, a rating of each level, hostile text.

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


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def written(fmt: str, *tables: Table) -> bytes:
    out = io.BytesIO()
    write(fmt, out, list(tables))  # type: ignore[arg-type]
    return out.getvalue()


def test_csv_has_a_bom_the_headings_and_every_value_as_a_person_reads_it() -> None:
    data = written("csv", report())
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8 only with it
    rows = csv_rows(data)
    assert rows[0] == ["Team", "Cases closed", "Answered on time", "Last closed", "Rating"]
    assert rows[1] == ["Information rights", "1234", "92.5%", "2026-03-31", "Good"]
    assert rows[3] == ["Complaints – £ and é", "7", "50.0%", "2026-01-02", "Unsatisfactory"]
    assert rows[4] == ["+44 808 157 0192", "", "", "", ""]
    assert len(rows) == 1 + len(ROWS)


def test_csv_neutralises_formulas_but_keeps_phone_numbers_and_signed_numbers() -> None:
    rows = csv_rows(written("csv", report()))
    assert rows[2][0] == "'=HYPERLINK(\"http://evil.example\",\"Click\")"
    assert rows[2][4] == "Adequate"  # a rating is its words: a CSV has no colour
    assert rows[4][0] == "+44 808 157 0192"
    for text in ("=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(text) == "'" + text
    assert neutralise("-3.5") == "-3.5" and neutralise("Plain") == "Plain"


def test_csv_writes_the_first_table_only_and_leaves_the_stream_open() -> None:
    out = io.BytesIO()
    write("csv", out, [report(), Table("Other", COLUMNS[:1], [("Not here",)])])
    assert not out.closed
    assert "Not here" not in out.getvalue().decode("utf-8-sig")


def test_csv_decimals_and_whole_floats() -> None:
    columns = [Column("p", "P", "d", "percent", decimals=0), Column("n", "N", "d", "integer"), Column("x", "X", "d")]
    rows = csv_rows(written("csv", Table("T", columns, [(0.1234, 3.0, 2.5)])))
    assert rows[1] == ["12%", "3", "2.5"]


def test_csv_strips_characters_no_spreadsheet_can_hold() -> None:
    rows = csv_rows(written("csv", Table("T", COLUMNS[:1], [("bell\x07 and\x00 nul",)])))
    assert rows[1] == ["bell and nul"]


def test_a_generator_is_read_once_and_streamed() -> None:
    rows = csv_rows(written("csv", Table("T", COLUMNS, generated(1000))))
    assert len(rows) == 1001 and rows[1000][0] == "Team 999"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_row_is_refused_not_written(fmt: str) -> None:
    with pytest.raises(ValueError, match=r"Row 2 .* has 1 values for 5 columns"):
        written(fmt, report([ROWS[0], ("short",)]))
    bad_values: list[object] = [True, float("nan"), float("inf"), dt.datetime(2026, 1, 1, 23, 30), b"bytes", [1]]
    for value in bad_values:
        with pytest.raises((TypeError, ValueError)):
            written(fmt, Table("T", COLUMNS[:1], [(value,)]))  # type: ignore[list-item]


def test_the_model_refuses_what_it_cannot_describe() -> None:
    with pytest.raises(ValueError, match="kind"):
        Column("k", "K", "d", "money")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level"):
        Rating("Good", "blue")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="words"):
        Rating(" ", "green")  # colour alone is never enough
    with pytest.raises(ValueError, match="no columns"):
        Table("T", [], [])
    with pytest.raises(ValueError, match="same key"):
        Table("T", [COLUMNS[0], COLUMNS[0]], [])
    with pytest.raises(ValueError, match="no tables"):
        written("csv")
    with pytest.raises(ValueError, match="not 'pdf'"):
        written("pdf", report())


def test_sheet_names_are_valid_and_distinct() -> None:
    titles = ["Timeliness by team: 2026/27", "[Draft] cases?*", "a" * 40, "A" * 40, "Definitions", "history",
              "", "'quoted'", "Timeliness by team 2026-27"]
    names = sheet_names(titles)
    assert names[0] == "Timeliness by team 2026-27"
    assert names[1] == "Draft cases"
    assert names[2] == "a" * 31 and names[3] == "A" * 27 + " (2)"  # Excel compares names ignoring case
    assert names[4] == "Definitions (2)" and names[5] == "history (2)"  # the writers' own sheet; Excel's reserved one
    assert names[6] == "Table 7" and names[7] == "quoted"
    assert names[8] == "Timeliness by team 2026-27 (2)"
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\") and not name.startswith("'")


def test_content_types_and_extensions() -> None:
    assert content_type("csv") == "text/csv; charset=utf-8"
    assert content_type("xlsx") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content_type("ods") == "application/vnd.oasis.opendocument.spreadsheet"
    assert [extension(f) for f in FORMATS] == [".csv", ".xlsx", ".ods"]
    with pytest.raises(ValueError):
        content_type("pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        extension("pdf")  # type: ignore[arg-type]
