"""The spreadsheet side of case import and export: the column template, reading and writing XLSX and CSV.

Nothing here touches the database. Files come from people's desktops, so every
check that can refuse a file early (its type, size, encoding, header) is made
here, before any row is validated, and every refusal says what to do about it.
Anything written out is neutralised against formula injection, because an
export is opened in Excel by someone other than whoever typed the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, fields
from pathlib import PurePath
from typing import IO, Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from backoffice.cases.case_types import BUILT_IN
from backoffice.cases.models import Channel, Priority
from backoffice.cases.outcomes import BUILT_IN_OFFICIAL, Official, RefusalReason, ReviewOutcome
from backoffice.deadlines.rules import STAGED_PREFIX, stage_rule_key
from shared.errors import InvalidInput
from shared.tables import neutralise

Format = Literal["xlsx", "csv"]

#: The columns every import file has, in template order.
IMPORT_COLUMNS: tuple[str, ...] = (
    "case_type", "received_on", "subject", "description", "requester_name", "requester_email",
    "requester_phone", "requester_address", "channel", "priority",
)
#: Optional columns for a request already answered before the system (a historical case): a row with an
#: outcome is imported closed, with these facts, so the statutory returns count it. A file may leave them out.
HISTORY_COLUMNS: tuple[str, ...] = ("responded_on", "outcome", "refusal_reason", "exemptions", "review_outcome")
#: The stages a complaint can be escalated past (every stage with a rule of its own but the last): each has
#: columns of its own, its dates as they stood when the complaint was escalated (``case_stages``).
KEPT_STAGES: tuple[int, ...] = tuple(n for n in range(1, 10) if stage_rule_key(f"{STAGED_PREFIX}1", n + 1))
#: The dates kept of a stage the complaint has left, as ``stage<n>_<date>`` columns.
STAGE_DATES: tuple[str, ...] = ("started_on", "due_on", "responded_on", "extended_on", "ended_on")
#: Optional columns of a complaint's stages: the stage it is at, the day that stage's time limit was extended,
#: and each earlier stage's dates. With them a complaint escalated before the system is imported at its stage
#: and the timeliness report judges each stage as it did; ``responded_on`` is then the answer of the stage it
#: is at. Other case types leave them blank.
STAGE_COLUMNS: tuple[str, ...] = ("stage", "stage_extended_on",
                                  *(f"stage{n}_{date}" for n in KEPT_STAGES for date in STAGE_DATES))
#: The template's columns: every column an import reads.
TEMPLATE_COLUMNS: tuple[str, ...] = (*IMPORT_COLUMNS, *HISTORY_COLUMNS, *STAGE_COLUMNS)
#: Columns only the system fills in: an export has them, an import must not.
SYSTEM_COLUMNS: tuple[str, ...] = ("status", "due_on", "owner", "team", "outcome", "closed_on")
#: An export: the reference, the system's columns, and every template column it can fill (a refusal reason is
#: part of the outcome). Without its reference and system columns it is an import file again (``outcome`` is
#: written as the type's label, which an import reads as well as the key).
EXPORT_COLUMNS: tuple[str, ...] = (
    "reference", *IMPORT_COLUMNS, *SYSTEM_COLUMNS,
    *(c for c in HISTORY_COLUMNS if c not in SYSTEM_COLUMNS and c != "refusal_reason"), *STAGE_COLUMNS)
DATE_COLUMNS = frozenset({"received_on", "responded_on", "due_on", "closed_on", *STAGE_COLUMNS[1:]})

MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
#: An XLSX is a zip: cap what it inflates to, so a small "zip bomb" cannot exhaust memory.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
SHEET = "Cases"
XLSX_SIGNATURE = b"PK\x03\x04"

CHANNELS = tuple(c.value for c in Channel)
PRIORITIES = tuple(p.value for p in Priority)

GUIDANCE: dict[str, tuple[str, str, str]] = {
    # column: (required?, what to enter, allowed values)
    "case_type": ("Required", "The kind of case.",
                  ", ".join(f"{t.key} ({t.name})" for t in BUILT_IN)),
    "received_on": ("Required", "The date the request reached us; it starts the statutory clock.",
                    "A date cell, or text like 2026-03-02 (YYYY-MM-DD). Not in the future."),
    "subject": ("Required", "A short title for the case.", "Up to 300 characters."),
    "description": ("Required", "What the requester asked or said, in full.", "Up to 20,000 characters."),
    "requester_name": ("Required", "The requester's name.", "Up to 200 characters."),
    "requester_email": ("Email or address", "Where to reply by email.", "An email address, like name@example.com."),
    "requester_phone": ("Optional", "A telephone number. Keep the column formatted as text so Excel keeps the leading 0.",
                        "Digits, spaces, +, ( ) and -, like 01632 960 001."),
    "requester_address": ("Email or address", "Where to reply by post.", "Up to 1,000 characters."),
    "channel": ("Optional", "How the request reached us. Blank means post.", ", ".join(CHANNELS)),
    "priority": ("Optional", "How urgent the case is. Blank means normal.", ", ".join(PRIORITIES)),
    "responded_on": ("With an outcome", "For a request already answered: the day the response was sent. "
                     "Nobody is emailed about a case imported closed.",
                     "A date cell, or text like 2026-03-20. Not before received_on, not in the future."),
    "outcome": ("Optional", "For a request already answered: how it ended. The case is imported closed "
                "(at 5pm on responded_on). Blank means the case is open.",
                "An outcome of the case type, such as " + ", ".join(BUILT_IN_OFFICIAL)
                + "; or an official category (" + ", ".join(Official) + ") that names exactly one of them."),
    "refusal_reason": ("Optional", "With a refusal in full: why. It must agree with the outcome.",
                       ", ".join(RefusalReason)),
    "exemptions": ("Optional", "The exemptions or exceptions applied, of the law the case type is answered under "
                   "(FOI sections for FOI, EIR regulations for EIR). None for granted in full.",
                   "Keys separated by commas or semicolons, like s40, s43"),
    "review_outcome": ("Optional", "If the answer was reviewed: how the review ended.", ", ".join(ReviewOutcome)),
    "stage": ("Complaints only", "The stage of the complaint-handling code the complaint is at: 1 (frontline) or "
              "2 (investigation). Blank means 1. At stage 2, fill in stage 1's columns; responded_on is then "
              "the stage 2 answer.", "1 or 2"),
    "stage_extended_on": ("Complaints only", "The day the time limit of the stage the complaint is at was "
                          "extended, if it was.",
                          "A date on or after the day the stage began, not after responded_on or today."),
    **{f"stage{n}_{date}": (
        "At a later stage" if date == "ended_on" else "Complaints only",
        f"For a complaint escalated past stage {n}, as stage {n} stood then: " + {
            "started_on": "the day it began." + (" Blank means received_on." if n == 1 else ""),
            "due_on": "the day its answer was due. Blank means the date the stage's time limit gives.",
            "responded_on": "the day its answer was sent, if one was (a complaint may go straight on).",
            "extended_on": "the day its time limit was extended, if it was.",
            "ended_on": f"the day the complaint was escalated to stage {n + 1}.",
        }[date],
        "A date cell, or text like 2026-03-02. " + {
            "started_on": "The same as received_on." if n == 1 else f"The same as stage{n - 1}_ended_on.",
            "due_on": f"Not before stage{n}_started_on.",
            "responded_on": f"From stage{n}_started_on to stage{n}_ended_on.",
            "extended_on": f"From stage{n}_started_on to stage{n}_ended_on.",
            "ended_on": "Not before the stage's other dates, not in the future.",
        }[date]) for n in KEPT_STAGES for date in STAGE_DATES},
}
WIDTHS = {"case_type": 14, "received_on": 14, "subject": 40, "description": 60, "requester_name": 24,
          "requester_email": 30, "requester_phone": 18, "requester_address": 40, "channel": 12, "priority": 10,
          "responded_on": 14, "outcome": 22, "refusal_reason": 16, "exemptions": 20, "review_outcome": 18,
          "stage": 8, **{c: 18 for c in STAGE_COLUMNS if c != "stage"}}


class FileRefused(InvalidInput):
    """The file as a whole cannot be imported; ``errors`` maps ``file`` or a column name to what to fix."""

    title = "The file could not be imported"


@dataclass(frozen=True)
class RowInput:
    """One data row as read from the file: trimmed text, except a received date Excel already knew was a date.

    ``problems`` holds what the reader itself noticed (a phone number Excel turned
    into a number, a value under no heading), reported with the row's other errors.
    """

    row: int
    case_type: str = ""
    received_on: str | dt.date = ""
    subject: str = ""
    description: str = ""
    requester_name: str = ""
    requester_email: str = ""
    requester_phone: str = ""
    requester_address: str = ""
    channel: str = ""
    priority: str = ""
    responded_on: str | dt.date = ""
    outcome: str = ""
    refusal_reason: str = ""
    exemptions: str = ""
    review_outcome: str = ""
    stage: str = ""
    stage_extended_on: str | dt.date = ""
    stage1_started_on: str | dt.date = ""
    stage1_due_on: str | dt.date = ""
    stage1_responded_on: str | dt.date = ""
    stage1_extended_on: str | dt.date = ""
    stage1_ended_on: str | dt.date = ""
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def historical(self) -> bool:
        """Whether the row says anything of an answer already sent (then it must say enough to close the case)."""
        return any(getattr(self, name) for name in HISTORY_COLUMNS)

    @property
    def staged(self) -> bool:
        """Whether the row says anything of a complaint's stages."""
        return any(getattr(self, name) for name in STAGE_COLUMNS)


assert tuple(f.name for f in fields(RowInput))[1:-1] == TEMPLATE_COLUMNS


# --- recognising the file -------------------------------------------------------------------

def detect_format(filename: str, data: bytes) -> Format:
    """Trust neither the name nor the bytes alone: both must say XLSX, or both CSV."""
    name = PurePath(filename).name or "The file"
    extension = PurePath(filename).suffix.lower()
    if not data:
        raise _refused(f"{name} is empty")
    if len(data) > MAX_BYTES:
        raise _refused(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files")
    if extension == ".xlsx":
        _check_workbook(name, data)
        return "xlsx"
    if extension == ".csv":
        _check_csv(name, data)
        return "csv"
    hints = {
        ".xls": "Excel 97-2003 workbooks are not accepted: save it as an Excel Workbook (.xlsx)",
        ".xlsm": "Workbooks with macros are not accepted: save it as an Excel Workbook (.xlsx)",
        ".ods": "Save it from your spreadsheet program as an Excel Workbook (.xlsx) or CSV UTF-8",
        ".numbers": "Export it from Numbers as an Excel Workbook (.xlsx) or CSV",
    }
    raise _refused(hints.get(extension, f"{name} is not a spreadsheet: upload an Excel Workbook (.xlsx) or a CSV file"))


def _check_workbook(name: str, data: bytes) -> None:
    if not data.startswith(XLSX_SIGNATURE):
        raise _refused(f"{name} is not an Excel workbook, although its name ends .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise _refused(f"{name} is damaged or not an Excel workbook") from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _refused(f"{name} is a zip file but not an Excel workbook")
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise _refused(f"{name} holds too much data: split it into smaller files")


def _check_csv(name: str, data: bytes) -> None:
    if data.startswith(XLSX_SIGNATURE):
        raise _refused(f"{name} is an Excel workbook with a .csv name: rename it to .xlsx, or save it as CSV UTF-8")
    if b"\x00" in data:
        raise _refused(f"{name} is not a text file: save it as CSV UTF-8 (comma delimited)")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused(f"{name} is not saved as UTF-8: in Excel choose Save As, then CSV UTF-8 (comma delimited)") from None


def _refused(message: str, errors: dict[str, str] | None = None) -> FileRefused:
    return FileRefused(message, errors or {"file": message})


# --- reading --------------------------------------------------------------------------------

def parse(filename: str, data: bytes) -> list[RowInput]:
    """The data rows of an import file, numbered as the spreadsheet shows them (the header is row 1)."""
    fmt = detect_format(filename, data)
    with closing(_xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)) as rows:
        header = next(rows, None)
        if header is None or not any(_is_filled(v) for v in header[1]):
            raise _refused("The first row must be the header row of the template")
        columns = _columns(header[1])
        parsed: list[RowInput] = []
        for number, values in rows:
            if not any(_is_filled(v) for v in values):
                continue
            if len(parsed) == MAX_ROWS:
                raise _refused(f"The file has more than {MAX_ROWS:,} rows of cases: split it into smaller files")
            parsed.append(_row(number, columns, values))
    return parsed


def _xlsx_rows(data: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a damaged file; all mean the same to a person
        raise _refused("The workbook could not be read: open it in Excel and save it again as .xlsx") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong "used range"; read every row there is
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _csv_rows(data: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _refused(f"The CSV file could not be read near row {reader.line_num}: {exc}") from None


def _columns(header: Sequence[object]) -> list[str]:
    """Header cells as template names, or a refusal listing every mismatch at once."""
    names = [_cell_text(v).lower().replace(" ", "_").replace("-", "_") for v in header]
    while names and not names[-1]:
        names.pop()
    errors: dict[str, str] = {}
    for index, name in enumerate(names):
        if not name:
            errors[f"column {get_column_letter(index + 1)}"] = f"Column {get_column_letter(index + 1)} has no heading"
        elif names.index(name) != index:
            errors[name] = f"The {name} column appears more than once"
        elif name == "reference":
            errors[name] = "An import always creates new cases, which are given references: remove the reference column"
        elif name in SYSTEM_COLUMNS and name not in TEMPLATE_COLUMNS:
            errors[name] = f"The {name} column is filled in by the system: remove it"
        elif name not in TEMPLATE_COLUMNS:
            errors[name] = f"{name} is not a column of the template: check its spelling or remove it"
    for name in IMPORT_COLUMNS:
        if name not in names:
            errors[name] = f"Add the {name} column (download the template to see every column)"
    if len(names) == 1 and any(sep in names[0] for sep in ";\t"):
        errors = {"file": "The columns must be separated by commas: save the file as CSV UTF-8 (comma delimited)"}
    if errors:
        raise _refused("The header row does not match the template", errors)
    return names


def _row(number: int, columns: list[str], values: Sequence[object]) -> RowInput:
    cells = dict(zip(columns, values, strict=False))
    problems = [(f"column {get_column_letter(i + 1)}", "There is a value in a column with no heading")
                for i in range(len(columns), len(values)) if _is_filled(values[i])]
    phone = cells.get("requester_phone")
    if isinstance(phone, int | float) and not isinstance(phone, bool):
        problems.append(("requester_phone", "Excel turned the phone number into a number and dropped its leading 0 "
                                            "or +: format the column as text and type it again"))
    text = {name: _cell_text(cells.get(name)) for name in TEMPLATE_COLUMNS if name not in DATE_COLUMNS}
    dates: dict[str, Any] = {name: _date_cell(cells.get(name)) for name in TEMPLATE_COLUMNS if name in DATE_COLUMNS}
    return RowInput(row=number, problems=tuple(problems), **text, **dates)


def _date_cell(value: object) -> str | dt.date:
    """A date Excel already knew was a date, else the cell's text (checked with the row)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else _cell_text(value)


def _is_filled(value: object) -> bool:
    return value is not None and _cell_text(value) != ""


def _cell_text(value: object) -> str:
    """A cell as trimmed text; whole-number floats lose their ".0", dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


# --- writing --------------------------------------------------------------------------------

Cell = str | dt.date | None


def write_table(fmt: Format, out: IO[bytes], columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write a header and rows, one at a time so a long export never sits in memory twice; returns the row count."""
    return _write_xlsx(out, columns, rows) if fmt == "xlsx" else _write_csv(out, columns, rows)


def _write_csv(out: IO[bytes], columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else neutralise(v) for v in row])
        count += 1
    text.flush()
    text.detach()  # leave the caller's stream open
    return count


def _write_xlsx(out: IO[bytes], columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 16)
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
    book.save(out)
    return count


def _xlsx_cell(sheet: Worksheet, value: Cell) -> object:
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None:
        return None
    # openpyxl would store a string starting "=" as a formula; the quote keeps it text in every program.
    return WriteOnlyCell(sheet, value=neutralise(value))


def template(fmt: Format) -> bytes:
    """An empty import file: the header, and in XLSX a Guidance sheet and drop-down lists."""
    out = io.BytesIO()
    if fmt == "csv":
        write_table("csv", out, TEMPLATE_COLUMNS, [])
        return out.getvalue()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(TEMPLATE_COLUMNS))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = WIDTHS[name]
        # dates as dates; everything else as text, which keeps phone numbers' leading 0
        sheet.column_dimensions[letter].number_format = "yyyy-mm-dd" if name in DATE_COLUMNS else "@"
    _add_lists(sheet)
    _add_guidance(book)
    book.save(out)
    return out.getvalue()


def _letter(column: str) -> str:
    return get_column_letter(TEMPLATE_COLUMNS.index(column) + 1)


def _add_lists(sheet: Worksheet) -> None:
    """Drop-downs for the coded columns: a typing mistake caught in Excel is one fewer import error."""
    lists: dict[str, list[str]] = {
        "case_type": [t.key for t in BUILT_IN], "channel": list(CHANNELS), "priority": list(PRIORITIES),
        "refusal_reason": [r.value for r in RefusalReason], "review_outcome": [r.value for r in ReviewOutcome]}
    for column, allowed in lists.items():
        check = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True,
                               showErrorMessage=True, errorTitle=f"Invalid {column}",
                               error="Choose a value from the list (see the Guidance sheet)")
        check.add(f"{_letter(column)}2:{_letter(column)}{MAX_ROWS + 1}")
        sheet.add_data_validation(check)


def _add_guidance(book: Workbook) -> None:
    guide = book.create_sheet("Guidance")
    guide.append(["Column", "Required", "What to enter", "Allowed values"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in TEMPLATE_COLUMNS:
        required, what, allowed = GUIDANCE[column]
        guide.append([column, required, what, allowed])
    guide.append([])
    guide.append(["", "", f"Give each case its own row, under the header row, on the {SHEET} sheet. "
                          f"Up to {MAX_ROWS:,} rows in one file. If any row has a problem, no case is "
                          "created and every problem is listed by row and column. The five columns from "
                          "responded_on are for requests already answered: leave them out, or blank, for open "
                          "cases. The columns from stage on are for complaints escalated to a later stage.", ""])
    for letter, width in zip("ABCD", (20, 18, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
