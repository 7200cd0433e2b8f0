"""Report tables described once, written as CSV, XLSX or ODS.

A report builds ``Table`` objects (title, typed ``Column``\\ s, rows, notes) and
hands them to ``write``; nothing here knows what the report is about. Rows are
streamed in every format, so an export of a million rows takes no more memory
than one of ten. Text is neutralised against formula injection in every
format, because an export is opened by someone other than whoever typed it.
"""

from shared.tables.formats import FORMATS, Format, content_type, extension, write
from shared.tables.model import Cell, Column, Kind, Level, Rating, Table, neutralise, sheet_names

__all__ = [
    "FORMATS", "Cell", "Column", "Format", "Kind", "Level", "Rating", "Table", "content_type", "extension",
    "neutralise", "sheet_names", "write",
]
