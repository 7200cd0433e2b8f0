"""Report tables as ODS (shared/tables/ods.py), read back with odfpy's loader and a small reader over odf.table."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from odf import teletype
from odf.config import ConfigItem, ConfigItemMapEntry, ConfigItemMapNamed
from odf.namespaces import CONFIGNS, OFFICENS, STYLENS, TABLENS
from odf.opendocument import OpenDocument, load
from odf.style import Style
from odf.table import Table as OdsTable
from odf.table import TableCell, TableHeaderRows, TableRow

from shared.tables import Column, Table, write
from tests.shared.test_tables import COLUMNS, NOTES, TITLE, report


@dataclass(frozen=True)
class Read:
    type: str | None
    value: str | None
    text: str
    style: str | None


def document(*tables: Table) -> tuple[bytes, OpenDocument]:
    out = io.BytesIO()
    write("ods", out, list(tables))
    return out.getvalue(), load(io.BytesIO(out.getvalue()))


def sheets(doc: OpenDocument) -> dict[str, list[list[Read]]]:
    read = {}
    for table in doc.spreadsheet.getElementsByType(OdsTable):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                kind = cell.attributes.get((OFFICENS, "value-type"))
                value = cell.attributes.get((OFFICENS, "date-value" if kind == "date" else "value"))
                cells.append(Read(kind, value, teletype.extractText(cell), cell.attributes.get((TABLENS, "style-name"))))
            rows.append(cells)
        read[table.getAttribute("name")] = rows
    return read


def style(doc: OpenDocument, name: str) -> dict[str, str]:
    """A cell style's properties, as {attribute: value}, and its data style under "data-style"."""
    for element in doc.automaticstyles.getElementsByType(Style):
        if element.getAttribute("name") == name:
            found = {"data-style": element.attributes.get((STYLENS, "data-style-name"), "")}
            for child in element.childNodes:
                found.update({attr: value for (_, attr), value in child.attributes.items()})
            return found
    raise AssertionError(f"no style {name}")


def test_package_starts_with_an_uncompressed_mimetype() -> None:
    data, _ = document(report())
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        first = package.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert package.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert {"content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml"} <= set(package.namelist())
    assert data[30:38] == b"mimetype"  # where file(1) and LibreOffice look


def test_one_sheet_per_table_then_definitions() -> None:
    _, doc = document(report(), Table("Second: by month", COLUMNS[:2], []))
    assert list(sheets(doc)) == ["Timeliness by team 2026-27", "Second by month", "Definitions"]


def test_header_row_is_a_bold_header_and_columns_have_widths() -> None:
    _, doc = document(report())
    table = doc.spreadsheet.getElementsByType(OdsTable)[0]
    header = table.getElementsByType(TableHeaderRows)[0]
    assert [teletype.extractText(c) for c in header.getElementsByType(TableCell)] == [c.heading for c in COLUMNS]
    assert style(doc, header.getElementsByType(TableCell)[0].getAttribute("stylename"))["font-weight"] == "bold"
    widths = [style(doc, c.getAttribute("stylename"))["column-width"] for c in table.childNodes
              if c.qname == (TABLENS, "table-column")]
    assert widths == ["3.20cm", "2.80cm", "3.60cm", "2.60cm", "3.20cm"]


def test_values_have_their_office_value_types() -> None:
    _, doc = document(report())
    rows = sheets(doc)["Timeliness by team 2026-27"]
    team, closed, on_time, last, rating = rows[1]
    assert (team.type, team.text) == ("string", "Information rights")
    assert (closed.type, closed.value, closed.text) == ("float", "1234", "1,234")
    assert (on_time.type, on_time.value, on_time.text) == ("percentage", "0.925", "92.5%")
    assert style(doc, on_time.style or "")["data-style"].startswith("N-percent")
    assert (last.type, last.value, last.text) == ("date", "2026-03-31", "2026-03-31")
    assert (rating.type, rating.text) == ("string", "Good")
    assert rows[3][0].text == "Complaints – £ and é"
    assert [(c.type, c.text) for c in rows[4]] == [("string", "+44 808 157 0192")] + [(None, "")] * 4
    assert len(rows) == 5


def test_ratings_are_words_with_a_fill_of_their_level() -> None:
    _, doc = document(report())
    rows = sheets(doc)["Timeliness by team 2026-27"]
    fills = {row[4].text: style(doc, row[4].style or "")["background-color"] for row in rows[1:4]}
    assert fills == {"Good": "#CCE2D8", "Adequate": "#FCD6C3", "Unsatisfactory": "#F4CDC6"}
    assert style(doc, rows[3][4].style or "")["color"] == "#942514"
    assert rows[1][0].style is None


def test_formulas_are_stored_as_text() -> None:
    _, doc = document(report())
    cell = sheets(doc)["Timeliness by team 2026-27"][2][0]
    assert (cell.type, cell.text) == ("string", "'=HYPERLINK(\"http://evil.example\",\"Click\")")
    assert not any(c.attributes.get((TABLENS, "formula")) for c in doc.spreadsheet.getElementsByType(TableCell))


def test_whitespace_and_line_breaks_survive() -> None:
    _, doc = document(Table("T", COLUMNS[:1], [("two  spaces\nand a new line",)]))
    assert sheets(doc)["T"][1][0].text == "two  spaces\nand a new line"


def test_definitions_list_every_column_then_the_notes() -> None:
    _, doc = document(report(), Table("Second", [Column("n", "Cases", "All cases.", "integer")], [], ["Only note."]))
    rows = [[c.text for c in row] for row in sheets(doc)["Definitions"]]
    assert rows[0] == ["Sheet", "Table", "Column", "Definition"]
    assert rows[1] == ["Timeliness by team 2026-27", TITLE, "Team", COLUMNS[0].definition]
    assert [r[2] for r in rows[1:6]] == [c.heading for c in COLUMNS]
    assert rows[6] == ["Second", "Second", "Cases", "All cases."]
    assert rows[7] == []
    assert rows[8] == ["Sheet", "Table", "Note", "Text"]
    assert rows[9:] == [["Timeliness by team 2026-27", TITLE, "Note 1", NOTES[0]],
                        ["Timeliness by team 2026-27", TITLE, "Note 2", NOTES[1]],
                        ["Second", "Second", "Note 1", "Only note."]]


def test_every_sheet_keeps_its_header_row_in_view() -> None:
    _, doc = document(report(), Table("Second", COLUMNS[:1], []))
    tables = doc.settings.getElementsByType(ConfigItemMapNamed)[0]
    frozen = {}
    for entry in tables.getElementsByType(ConfigItemMapEntry):
        items = {i.attributes[(CONFIGNS, "name")]: teletype.extractText(i) for i in entry.getElementsByType(ConfigItem)}
        frozen[entry.attributes[(CONFIGNS, "name")]] = (items["VerticalSplitMode"], items["VerticalSplitPosition"])
    assert frozen == {"Timeliness by team 2026-27": ("2", "1"), "Second": ("2", "1"), "Definitions": ("2", "1")}
