"""A report as a file: CSV, XLSX or ODS, each spreadsheet with a sheet of what every column means.

The writers are ``shared.tables``; this says how a report's tables, columns and cells become theirs.
Percentages are shown as 72.7 on screen and stored as the fraction 0.727 in a spreadsheet, as
spreadsheets keep them, so they sort and sum as numbers.
"""

from __future__ import annotations

from typing import IO

from backoffice.reporting.registry import Cell, Column, ReportResult, ResultTable
from shared import tables
from shared.tables import Format

FORMATS: tuple[Format, ...] = ("csv", "xlsx", "ods")
_KINDS: dict[str, tables.Kind] = {
    "text": "text", "integer": "integer", "number": "integer", "percent": "percent", "date": "date", "rating": "text"}


def _column(column: Column) -> tables.Column:
    return tables.Column(column.key, column.heading, column.definition, _KINDS.get(column.kind, "text"))


def _value(cell: Cell, column: Column) -> tables.Cell:
    if column.kind == "percent" and isinstance(cell.value, int | float):
        return cell.value / 100
    return cell.value


def _table(result: ReportResult, table: ResultTable) -> tables.Table:
    title = table.title if len(result.tables) > 1 else result.title
    notes = [f"{result.title}, {result.period.label}; judged on {result.as_at:%-d %B %Y}"
             + ("" if result.final else " (the period had not ended: the figures will change)"), *result.notes]
    return tables.Table(title, [_column(c) for c in table.columns],
                        ([_value(cell, column) for cell, column in zip(row, table.columns, strict=True)]
                         for row in table.rows), notes)


def write_report(fmt: Format, out: IO[bytes], result: ReportResult) -> None:
    """Every table of the report (a CSV has room for the first only: the report's main table)."""
    tables.write(fmt, out, [_table(result, table) for table in result.tables])


def filename(result: ReportResult, fmt: Format) -> str:
    return f"{result.name}-{result.period.key.replace('..', '-to-')}{tables.extension(fmt)}"


def parse_format(text: str) -> Format | None:
    return next((fmt for fmt in FORMATS if fmt == text), None)


__all__ = ["FORMATS", "filename", "parse_format", "write_report"]
