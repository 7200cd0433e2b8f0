"""CSV: the first table only, one row at a time.

UTF-8 *with* a byte order mark: Excel, still the program most people open a CSV
in, reads a CSV without one as the Windows code page and turns "£", "é" and
"—" into mojibake; with it, Excel, LibreOffice, Python's ``utf-8-sig`` and our
own importer all read the file correctly. Tools that dislike a BOM are rarer
than people double-clicking a download.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import IO

from shared.tables.model import Cell, Column, Rating, Table, clean_text

ENCODING = "utf-8-sig"


def write_csv(out: IO[bytes], table: Table) -> int:
    """Write the headings and rows; returns the row count. ``out`` is left open for the caller."""
    text = io.TextIOWrapper(out, encoding=ENCODING, newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([clean_text(c.heading) for c in table.columns])
    count = 0
    columns = table.columns
    for row in table.checked_rows():
        writer.writerow([csv_text(column, value) for column, value in zip(columns, row, strict=True)])
        count += 1
    text.flush()
    text.detach()
    return count


def csv_text(column: Column, value: Cell) -> str:
    """A value as a person reading the CSV should see it; a percent as "87.5%", which Excel reads back as 0.875."""
    if value is None:
        return ""
    if isinstance(value, Rating):
        return clean_text(value.text)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.kind == "percent":
        return f"{value * 100:.{column.decimals}f}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
