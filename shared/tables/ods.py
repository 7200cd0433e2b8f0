"""ODS (OpenDocument) through odfpy, streamed: each row is built and serialised on its own, then dropped.

odfpy normally builds the whole document tree and serialises it on save, which
for a large export holds every cell in memory several times over. Here odfpy
still makes every element (so the markup is odfpy's, checked against its
grammar), but content.xml is written into the zip piece by piece: the
automatic styles, then each table's opening tag, columns and header, then its
rows one at a time, then the Definitions sheet. The other parts of the package
(styles, meta, settings, manifest) are small and come from odfpy's own document.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from typing import IO

from odf import number, style
from odf import table as odt
from odf.config import ConfigItem, ConfigItemMapEntry, ConfigItemMapIndexed, ConfigItemMapNamed, ConfigItemSet
from odf.element import Element
from odf.manifest import FileEntry, Manifest
from odf.office import AutomaticStyles, Body, DocumentContent, Spreadsheet
from odf.opendocument import OpenDocumentSpreadsheet
from odf.teletype import addTextToElement
from odf.text import P

from shared.tables.csvfile import csv_text
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
from shared.tables.xlsx import RATING_COLOURS

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
PROLOGUE = "<?xml version='1.0' encoding='UTF-8'?>\n"
#: A character of width in the default font, near enough (Excel's unit is about 7 px, 0.19 cm).
CM_PER_CHARACTER = 0.2


def write_ods(out: IO[bytes], tables: Sequence[Table]) -> None:
    """One table:table per table, then the Definitions sheet, in one zip written front to back."""
    names = sheet_names([t.title for t in tables])
    styles = _Styles(tables)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        # The mimetype must be the first member, stored uncompressed, so tools can sniff it (ODF 1.2 part 3, 3.3).
        package.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        with package.open("content.xml", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as content:
            _content(content, tables, names, styles)
        document = OpenDocumentSpreadsheet()
        _freeze_headers(document, [*names, DEFINITIONS_SHEET])
        package.writestr("styles.xml", document.stylesxml())
        package.writestr("meta.xml", document.metaxml())
        package.writestr("settings.xml", document.settingsxml())
        package.writestr("META-INF/manifest.xml", _manifest())


def _content(f: IO[str], tables: Sequence[Table], names: Sequence[str], styles: _Styles) -> None:
    root, body, spreadsheet = DocumentContent(), Body(), Spreadsheet()
    _sample_elements()  # odfpy declares a namespace on the root only once an element has used it
    f.write(PROLOGUE)
    root.write_open_tag(0, f)
    styles.automatic.toXml(1, f)
    body.write_open_tag(1, f)
    spreadsheet.write_open_tag(2, f)
    for name, table in zip(names, tables, strict=True):
        sheet = odt.Table(name=name)
        sheet.write_open_tag(3, f)
        _start(f, styles, [guessed_width(c) for c in table.columns], [c.heading for c in table.columns])
        columns = table.columns
        for row in table.checked_rows():
            element = odt.TableRow()
            for column, value in zip(columns, row, strict=True):
                element.addElement(_cell(styles, column, value))
            element.toXml(4, f)
        sheet.write_close_tag(3, f)
    _definitions(f, styles, tables, names)
    spreadsheet.write_close_tag(2, f)
    body.write_close_tag(1, f)
    root.write_close_tag(0, f)


def _start(f: IO[str], styles: _Styles, widths: Sequence[int], headings: Sequence[str]) -> None:
    for width in widths:
        odt.TableColumn(stylename=styles.column(width)).toXml(4, f)
    # A header row ODF knows is one: repeated on every printed page and announced as headings.
    header = odt.TableHeaderRows()
    row = odt.TableRow()
    for heading in headings:
        row.addElement(_text_cell(heading, styles.header))
    header.addElement(row)
    header.toXml(4, f)


def _definitions(f: IO[str], styles: _Styles, tables: Sequence[Table], names: Sequence[str]) -> None:
    sheet = odt.Table(name=DEFINITIONS_SHEET)
    sheet.write_open_tag(3, f)
    _start(f, styles, DEFINITION_WIDTHS, DEFINITION_HEADINGS)
    columns, notes = definitions(tables, names)
    for values in columns:
        _text_row(values, styles.wrap).toXml(4, f)
    if notes:
        odt.TableRow().toXml(4, f)
        _text_row(NOTE_HEADINGS, styles.header).toXml(4, f)
        for values in notes:
            _text_row(values, styles.wrap).toXml(4, f)
    sheet.write_close_tag(3, f)


def _text_row(values: Sequence[str], stylename: str) -> Element:
    row = odt.TableRow()
    for value in values:
        row.addElement(_text_cell(value, stylename))
    return row


def _text_cell(text: str, stylename: str | None = None) -> Element:
    cell = odt.TableCell(valuetype="string", stylename=stylename) if stylename else odt.TableCell(valuetype="string")
    paragraph = P()
    addTextToElement(paragraph, clean_text(text))
    cell.addElement(paragraph)
    return cell


def _cell(styles: _Styles, column: Column, value: Cell) -> Element:
    if value is None:
        return odt.TableCell()
    if isinstance(value, Rating):
        return _text_cell(value.text, styles.ratings[value.level])
    if isinstance(value, str):
        return _text_cell(value)
    shown = csv_text(column, value)
    if isinstance(value, dt.date):
        cell = odt.TableCell(valuetype="date", datevalue=value.isoformat(), stylename=styles.date)
    elif column.kind == "percent":
        cell = odt.TableCell(valuetype="percentage", value=repr(float(value)),
                             stylename=styles.percent[column.decimals])
    elif column.kind == "integer" and (isinstance(value, int) or value.is_integer()):
        cell = odt.TableCell(valuetype="float", value=str(int(value)), stylename=styles.integer)
        shown = f"{int(value):,}"
    else:
        cell = odt.TableCell(valuetype="float", value=repr(value))
    cell.addElement(P(text=shown))
    return cell


class _Styles:
    """The automatic styles every sheet shares, made once: names are what cells refer to."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.automatic = AutomaticStyles()
        self.header = self._cell_style("ce-header", text={"fontweight": "bold"}, wrap=True)
        self.wrap = self._cell_style("ce-wrap", wrap=True)
        self.ratings = {level: self._cell_style(f"ce-{level}", fill=fill, text={"color": "#" + colour})
                        for level, (fill, colour) in RATING_COLOURS.items()}

        date = number.DateStyle(name="N-date")
        for part in (number.Year(style="long"), number.Text(text="-"), number.Month(style="long"),
                     number.Text(text="-"), number.Day(style="long")):
            date.addElement(part)
        self.automatic.addElement(date)
        self.date = self._cell_style("ce-date", data="N-date")

        integer = number.NumberStyle(name="N-integer")
        integer.addElement(number.Number(decimalplaces="0", minintegerdigits="1", grouping="true"))
        self.automatic.addElement(integer)
        self.integer = self._cell_style("ce-integer", data="N-integer")

        self.percent: dict[int, str] = {}
        for decimals in sorted({c.decimals for t in tables for c in t.columns if c.kind == "percent"}):
            percentage = number.PercentageStyle(name=f"N-percent{decimals}")
            percentage.addElement(number.Number(decimalplaces=str(decimals), minintegerdigits="1"))
            percentage.addElement(number.Text(text="%"))
            self.automatic.addElement(percentage)
            self.percent[decimals] = self._cell_style(f"ce-percent{decimals}", data=f"N-percent{decimals}")
        self._columns: dict[int, str] = {}
        for width in [guessed_width(c) for t in tables for c in t.columns] + list(DEFINITION_WIDTHS):
            if width not in self._columns:
                name = f"co-{width}"
                column = style.Style(name=name, family="table-column")
                column.addElement(style.TableColumnProperties(columnwidth=f"{width * CM_PER_CHARACTER:.2f}cm"))
                self.automatic.addElement(column)
                self._columns[width] = name

    def column(self, width: int) -> str:
        return self._columns[width]

    def _cell_style(self, name: str, *, data: str | None = None, fill: str | None = None,
                    text: dict[str, str] | None = None, wrap: bool = False) -> str:
        cell = style.Style(name=name, family="table-cell", **({"datastylename": data} if data else {}))
        properties = {}
        if fill:
            properties["backgroundcolor"] = "#" + fill
        if wrap:
            properties["wrapoption"] = "wrap"
            properties["verticalalign"] = "top"
        if properties:
            cell.addElement(style.TableCellProperties(**properties))
        if text:
            cell.addElement(style.TextProperties(**text))
        self.automatic.addElement(cell)
        return name


def _sample_elements() -> None:
    odt.TableCell(valuetype="float", value="1", stylename="x").addElement(P(text="1"))
    addTextToElement(P(), "a  b\tc\nd")


def _freeze_headers(document: OpenDocumentSpreadsheet, names: Sequence[str]) -> None:
    """Keep each sheet's header row in view while scrolling, as the XLSX does.

    ODF has no markup for this: it is a view setting, in the items LibreOffice
    itself writes to settings.xml (a split after row 1, the lower pane active).
    """
    view = ConfigItemMapEntry()
    view.addElement(ConfigItem(name="ViewId", type="string", text="view1"))
    sheets = ConfigItemMapNamed(name="Tables")
    for name in names:
        entry = ConfigItemMapEntry(name=name)
        for item, kind, value in (("HorizontalSplitMode", "short", 0), ("VerticalSplitMode", "short", 2),
                                  ("HorizontalSplitPosition", "int", 0), ("VerticalSplitPosition", "int", 1),
                                  ("ActiveSplitRange", "short", 2), ("PositionLeft", "int", 0),
                                  ("PositionRight", "int", 0), ("PositionTop", "int", 0),
                                  ("PositionBottom", "int", 1)):
            entry.addElement(ConfigItem(name=item, type=kind, text=str(value)))
        sheets.addElement(entry)
    view.addElement(sheets)
    views = ConfigItemMapIndexed(name="Views")
    views.addElement(view)
    settings = ConfigItemSet(name="ooo:view-settings")
    settings.addElement(views)
    document.settings.addElement(settings)


def _manifest() -> str:
    manifest = Manifest()
    manifest.addElement(FileEntry(fullpath="/", mediatype=MIMETYPE))
    for part in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
        manifest.addElement(FileEntry(fullpath=part, mediatype="text/xml"))
    xml = io.StringIO()
    xml.write(PROLOGUE)
    manifest.toXml(0, xml)
    return xml.getvalue()
