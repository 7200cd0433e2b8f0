"""Choosing a writer by format name, and what to tell the browser about the file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Literal, get_args

from shared.tables.csvfile import write_csv
from shared.tables.model import Table
from shared.tables.ods import write_ods
from shared.tables.xlsx import write_xlsx

Format = Literal["csv", "xlsx", "ods"]
FORMATS: tuple[Format, ...] = get_args(Format)

CONTENT_TYPES: dict[Format, str] = {
    # The charset tells a browser that previews the file how to decode it; the BOM tells Excel.
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def write(fmt: Format, out: IO[bytes], tables: Sequence[Table]) -> None:
    """Write the tables to ``out`` as one file; ``out`` is left open.

    A CSV holds one table, so only the first is written, without definitions or
    notes: offer XLSX or ODS alongside it when those matter. Every table's rows
    are read once, so each Table can be written only once.
    """
    if not tables:
        raise ValueError("There are no tables to write")
    if fmt == "csv":
        write_csv(out, tables[0])
    elif fmt == "xlsx":
        write_xlsx(out, tables)
    elif fmt == "ods":
        write_ods(out, tables)
    else:
        raise ValueError(f"A table is written as one of {', '.join(FORMATS)}, not {fmt!r}")


def content_type(fmt: Format) -> str:
    """The Content-Type header for a file in ``fmt``."""
    try:
        return CONTENT_TYPES[fmt]
    except KeyError:
        raise ValueError(f"A table is written as one of {', '.join(FORMATS)}, not {fmt!r}") from None


def extension(fmt: Format) -> str:
    """The file name extension for ``fmt``, with its dot: ".csv", ".xlsx", ".ods"."""
    if fmt not in FORMATS:
        raise ValueError(f"A table is written as one of {', '.join(FORMATS)}, not {fmt!r}")
    return "." + fmt
