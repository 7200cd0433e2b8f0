"""XLSX through openpyxl's write-only mode: rows go to a temporary file as they come, never all in memory.

Write-only mode fixes a sheet's column widths and frozen panes before its first
row, which is why widths come from the headings, not from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shared.tables.model import (
    DEFINITION_HEADINGS,
    DEFINITION_WIDTHS,
    DEFINITIONS_SHEET,
    NOTE_HEADINGS,
    Cell,
    Column,
    Rating,
    Table,
    clean_text,
    definitions,
    guessed_width,
    sheet_names,
)

#: GOV.UK Frontend's tag colours: a light fill with dark text of the same hue passes WCAG AA contrast.
RATING_COLOURS: dict[str, tuple[str, str]] = {
    # level: (fill, text)
    "green": ("CCE2D8", "005A30"),
    "amber": ("FCD6C3", "6E3619"),
    "red": ("F4CDC6", "942514"),
}
DATE_FORMAT = "yyyy-mm-dd"
INTEGER_FORMAT = "#,##0"
BOLD = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")
FILLS = {level: PatternFill("solid", fgColor=fill) for level, (fill, _) in RATING_COLOURS.items()}
FONTS = {level: Font(color=text) for level, (_, text) in RATING_COLOURS.items()}


def percent_format(decimals: int) -> str:
    return "0" + ("." + "0" * decimals if decimals else "") + "%"


def write_xlsx(out: IO[bytes], tables: Sequence[Table]) -> None:
    """One sheet per table, then the Definitions sheet."""
    book = Workbook(write_only=True)
    for name, table in zip(sheet_names([t.title for t in tables]), tables, strict=True):
        sheet = book.create_sheet(name)
        _start(sheet, [guessed_width(c) for c in table.columns], [c.heading for c in table.columns])
        columns = table.columns
        for row in table.checked_rows():
            sheet.append([_cell(sheet, column, value) for column, value in zip(columns, row, strict=True)])
    _definitions(book, tables)
    book.save(out)


def _start(sheet: WriteOnlyWorksheet, widths: Sequence[int], headings: Sequence[str]) -> None:
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_bold(sheet, heading) for heading in headings])


def _cell(sheet: WriteOnlyWorksheet, column: Column, value: Cell) -> object:
    if value is None:
        return None
    if isinstance(value, Rating):
        cell = WriteOnlyCell(sheet, value=clean_text(value.text))
        cell.fill = FILLS[value.level]
        cell.font = FONTS[value.level]
        return cell
    if isinstance(value, str):
        # openpyxl would store a string starting "=" as a formula; the quote keeps it text in every program.
        return WriteOnlyCell(sheet, value=clean_text(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif column.kind == "percent":
        cell.number_format = percent_format(column.decimals)
    elif column.kind == "integer" and (isinstance(value, int) or value.is_integer()):
        cell.number_format = INTEGER_FORMAT
    return cell


def _definitions(book: Workbook, tables: Sequence[Table]) -> None:
    """What every column means and the notes, on the last sheet, in plain rows a screen reader can follow."""
    sheet = book.create_sheet(DEFINITIONS_SHEET)
    _start(sheet, DEFINITION_WIDTHS, DEFINITION_HEADINGS)
    columns, notes = definitions(tables, sheet_names([t.title for t in tables]))
    for row in columns:
        sheet.append([clean_text(v) for v in row[:3]] + [_wrapped(sheet, row[3])])
    if notes:
        sheet.append([])
        sheet.append([_bold(sheet, heading) for heading in NOTE_HEADINGS])
        for row in notes:
            sheet.append([clean_text(v) for v in row[:3]] + [_wrapped(sheet, row[3])])


def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=clean_text(text))
    cell.font = BOLD
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _wrapped(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=clean_text(text))
    cell.alignment = WRAP
    return cell
