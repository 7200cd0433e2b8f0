"""Report tables as XLSX (shared/tables/xlsx.py), read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from shared.tables import Column, Table, write
from tests.shared.test_tables import COLUMNS, NOTES, TITLE, report


def workbook(*tables: Table) -> Workbook:
    out = io.BytesIO()
    write("xlsx", out, list(tables))
    return load_workbook(io.BytesIO(out.getvalue()))


def test_one_sheet_per_table_then_definitions() -> None:
    book = workbook(report(), Table("Second: by month", COLUMNS[:2], []))
    assert book.sheetnames == ["Timeliness by team 2026-27", "Second by month", "Definitions"]


def test_header_is_bold_and_frozen_and_columns_have_widths() -> None:
    sheet = workbook(report()).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Team", "Cases closed", "Answered on time", "Last closed", "Rating"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 16 and sheet.column_dimensions["C"].width == 18


def test_values_keep_their_types_and_formats() -> None:
    sheet = workbook(report()).worksheets[0]
    team, closed, on_time, last, rating = sheet[2]
    assert team.value == "Information rights" and team.data_type == "s"
    assert closed.value == 1234 and closed.number_format == "#,##0"
    assert on_time.value == 0.925 and on_time.number_format == "0.0%"
    assert last.value == dt.datetime(2026, 3, 31) and last.is_date and last.number_format == "yyyy-mm-dd"
    assert rating.value == "Good"
    assert sheet["A4"].value == "Complaints – £ and é"
    assert [c.value for c in sheet[5]] == ["+44 808 157 0192", None, None, None, None]
    assert sheet.max_row == 5


def test_ratings_are_words_with_a_fill_of_their_level() -> None:
    sheet = workbook(report()).worksheets[0]
    ratings = {sheet[f"E{row}"].value: sheet[f"E{row}"] for row in (2, 3, 4)}
    assert set(ratings) == {"Good", "Adequate", "Unsatisfactory"}
    fills = {text: cell.fill.fgColor.rgb[-6:] for text, cell in ratings.items()}
    assert fills == {"Good": "CCE2D8", "Adequate": "FCD6C3", "Unsatisfactory": "F4CDC6"}
    assert all(cell.fill.fill_type == "solid" for cell in ratings.values())
    assert ratings["Unsatisfactory"].font.color.rgb[-6:] == "942514"
    assert sheet["A2"].fill.fill_type is None  # only ratings are coloured


def test_formulas_are_stored_as_text() -> None:
    cell = workbook(report()).worksheets[0]["A3"]
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(\"http://evil.example\",\"Click\")"


def test_definitions_list_every_column_then_the_notes() -> None:
    book = workbook(report(), Table("Second", [Column("n", "Cases", "All cases.", "integer")], [], ["Only note."]))
    rows = [[c.value for c in row] for row in book["Definitions"].iter_rows()]
    assert rows[0] == ["Sheet", "Table", "Column", "Definition"]
    assert rows[1] == ["Timeliness by team 2026-27", TITLE, "Team", COLUMNS[0].definition]
    assert [r[2] for r in rows[1:6]] == [c.heading for c in COLUMNS]
    assert rows[6] == ["Second", "Second", "Cases", "All cases."]
    assert rows[7] == [None, None, None, None]
    assert rows[8] == ["Sheet", "Table", "Note", "Text"]
    assert rows[9:] == [["Timeliness by team 2026-27", TITLE, "Note 1", NOTES[0]],
                        ["Timeliness by team 2026-27", TITLE, "Note 2", NOTES[1]],
                        ["Second", "Second", "Note 1", "Only note."]]


def test_a_percent_column_shows_its_decimals_and_integers_may_arrive_as_floats() -> None:
    columns = [Column("p", "P", "d", "percent", decimals=0), Column("n", "N", "d", "integer"), Column("x", "X", "d")]
    sheet = workbook(Table("T", columns, [(0.5, 3.0, 2.5)])).worksheets[0]
    assert sheet["A2"].number_format == "0%" and sheet["B2"].value == 3 and sheet["C2"].value == 2.5
