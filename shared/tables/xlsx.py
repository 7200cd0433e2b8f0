"""XLSX through openpyxl's write-only mode: rows go to a temporary file as they come, never all in memory.

Write-only mode fixes a sheet's column widths and frozen panes before its first
row, which is why widths come from the headings, not from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import suppress
from copy import copy
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
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
    try:
        for name, table in zip(sheet_names([t.title for t in tables]), tables, strict=True):
            sheet = book.create_sheet(name)
            _start(sheet, [guessed_width(c) for c in table.columns], [c.heading for c in table.columns])
            columns, cell = table.columns, _Cells(sheet)
            for row in table.checked_rows():
                sheet.append([cell(column, value) for column, value in zip(columns, row, strict=True)])
        _definitions(book, tables)
    except BaseException:
        _discard(book)
        raise
    book.save(out)


def _discard(book: Workbook) -> None:
    """Finish and delete the sheets' temporary files: left to the garbage collector, openpyxl's half-written
    XML streams are closed out of order and each one logs an error."""
    for sheet in book.worksheets:
        with suppress(Exception):
            if not sheet.closed:
                sheet.close()
        with suppress(Exception):
            sheet._writer.cleanup()


def _start(sheet: WriteOnlyWorksheet, widths: Sequence[int], headings: Sequence[str]) -> None:
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_bold(sheet, heading) for heading in headings])


class _Cells:
    """Makes a sheet's cells, styling each kind of cell once and copying that style to the rest.

    Setting a font or fill on a cell makes openpyxl hash the style to look it up,
    which costs more than writing the cell; the looked-up StyleArray is the same
    for every cell of a kind, so it is kept and copied (as openpyxl's own
    ``copy_worksheet`` does).
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.styles: dict[str, StyleArray] = {}

    def __call__(self, column: Column, value: Cell) -> object:
        if value is None:
            return None
        if isinstance(value, str):
            # openpyxl would store a string starting "=" as a formula; the quote keeps it text in every program.
            return clean_text(value)
        if isinstance(value, Rating):
            return self._styled(clean_text(value.text), value.level)
        if isinstance(value, dt.date):
            return self._styled(value, "date")
        if column.kind == "percent":
            return self._styled(value, f"percent{column.decimals}")
        if column.kind == "integer" and (isinstance(value, int) or value.is_integer()):
            return self._styled(int(value), "integer")
        return value

    def _styled(self, value: object, key: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        style = self.styles.get(key)
        if style is not None:
            cell._style = copy(style)
            return cell
        if key in FILLS:
            cell.fill = FILLS[key]
            cell.font = FONTS[key]
        elif key == "date":
            cell.number_format = DATE_FORMAT
        elif key == "integer":
            cell.number_format = INTEGER_FORMAT
        else:
            cell.number_format = percent_format(int(key.removeprefix("percent")))
        self.styles[key] = copy(cell._style)
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
