"""Importing and exporting cases with the spreadsheet template: real files, a real database, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases import transfer, transfer_formats
from backoffice.cases.models import Case
from backoffice.cases.queues import CaseFilter
from backoffice.cases.transfer import (
    EXPORT_COLUMNS,
    IMPORT_COLUMNS,
    TEMPLATE_COLUMNS,
    FileRefused,
    RowError,
    error_report_csv,
    export_cases,
    import_cases,
    parse,
    template,
)
from backoffice.cases.workflow import claim, close, restrict
from backoffice.intake.new_cases import Requester
from backoffice.staff.groups import Group
from shared import audit
from shared.audit import AuditEvent
from shared.cli import main
from shared.db import transaction
from shared.errors import InvalidInput
from shared.settings import Settings
from tests.backoffice.cases.conftest import SYSTEM, Office

PHONE = "+44 808 157 0192"


def good(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_type": "foi", "received_on": "2026-03-02", "subject": "Bus timetables",
        "description": "Send the 2025 timetables.", "requester_name": "Sam Jones",
        "requester_email": "sam@example.com", "requester_phone": "01632 960 001",
        "requester_address": "", "channel": "email", "priority": "",
    }
    row.update(changes)
    return row


def xlsx_file(rows: Sequence[dict[str, Any]], header: Sequence[str] = TEMPLATE_COLUMNS) -> bytes:
    """Filled in the way a person would: starting from the downloaded template."""
    book = openpyxl.load_workbook(io.BytesIO(template("xlsx")))
    sheet = book["Cases"]
    if tuple(header) != TEMPLATE_COLUMNS:
        sheet.delete_rows(1)
        sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column) for column in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows: Sequence[dict[str, Any] | None], header: Sequence[str] = IMPORT_COLUMNS,
             encoding: str = "utf-8-sig") -> bytes:
    """``None`` in ``rows`` writes a blank line, as a spreadsheet's empty row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([] if row is None else [row.get(column, "") for column in header])
    return out.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[dict[str, Any]]:
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # so Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def case_count(db: Session) -> int:
    return int(db.scalar(select(func.count(Case.id))) or 0)


def errors_of(db: Session, data: bytes, name: str = "cases.csv") -> list[RowError]:
    report = import_cases(db, SYSTEM, parse(name, data))
    assert not report.ok and report.created == [] and case_count(db) == 0
    return report.errors


def refusal(name: str, data: bytes) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        parse(name, data)
    return refused.value


# --- the template ---------------------------------------------------------------------------


def test_xlsx_template_has_header_guidance_and_drop_downs() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template("xlsx")))
    assert book.sheetnames == ["Cases", "Guidance"]
    sheet = book["Cases"]
    assert [c.value for c in sheet[1]] == list(TEMPLATE_COLUMNS)
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 60
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {"A2": '"foi,eir,sar,complaint,enquiry,compliment,foi_review,regulator_complaint"',
                     "I2": '"web form,email,post,phone,api"', "J2": '"normal,high,urgent"',
                     "M2": '"exemption,cost_limit,vexatious,repeated"',
                     "O2": '"upheld_in_full,upheld_in_part,overturned,withdrawn"'}
    assert sheet.column_dimensions["K"].number_format == "yyyy-mm-dd"
    guidance = {row[0]: row for row in book["Guidance"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(guidance) == set(TEMPLATE_COLUMNS)
    assert "granted_in_full" in guidance["outcome"][3] and "s40" in guidance["exemptions"][3]
    assert "sar (Subject access request)" in guidance["case_type"][3]


def test_csv_template_is_the_header_row() -> None:
    assert template("csv") == ("\ufeff" + ",".join(TEMPLATE_COLUMNS) + "\r\n").encode()


# --- round trips ----------------------------------------------------------------------------


ROWS = [
    good(),
    good(case_type="SAR", received_on=dt.datetime(2025, 12, 22), subject="My records",
         description="Everything you hold about me,\nincluding emails.", requester_name="Ana Ruiz",
         requester_email="", requester_phone=PHONE, requester_address="1 High Street\nTownsville\nTT1 1AA",
         channel="post", priority="urgent"),
    good(case_type="complaint", received_on="2025-11-03", subject="Bins", description="Not collected, again.",
         requester_name="Jo Bloggs", requester_email="jo@example.org", requester_phone="", channel="web form",
         priority="high"),
]
EXPECTED = [
    ("foi", dt.date(2026, 3, 2), "Bus timetables", "Send the 2025 timetables.", "Sam Jones", "sam@example.com",
     "01632 960 001", None, "email", "normal"),
    ("sar", dt.date(2025, 12, 22), "My records", "Everything you hold about me,\nincluding emails.", "Ana Ruiz",
     None, PHONE, "1 High Street\nTownsville\nTT1 1AA", "post", "urgent"),
    ("complaint", dt.date(2025, 11, 3), "Bins", "Not collected, again.", "Jo Bloggs", "jo@example.org", None,
     None, "web form", "high"),
]


def test_xlsx_round_trip(office: Office) -> None:
    report = import_cases(office.db, SYSTEM, parse("cases.xlsx", xlsx_file(ROWS)), source="cases.xlsx")
    assert report.ok and report.created == ["FOI-2026-00001", "SAR-2025-00001", "COM-2025-00001"]
    exported = read_xlsx(export_cases(office.db, None, CaseFilter(), "xlsx"))
    assert [r["reference"] for r in exported] == report.created
    assert [tuple(r[c] for c in IMPORT_COLUMNS) for r in exported] == [
        tuple(dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else v for v in row) for row in EXPECTED]
    first = exported[0]
    assert (first["status"], first["due_on"], first["team"], first["owner"]) == (
        "New", dt.datetime(2026, 3, 31), "Information governance", None)
    entry = office.db.scalar(select(AuditEvent).where(AuditEvent.action == "cases.imported"))
    assert entry is not None and entry.object_type == "import" and entry.detail["count"] == 3
    assert entry.summary == "3 cases imported from cases.xlsx"


def test_csv_round_trip(office: Office) -> None:
    rows = [dict(row, received_on=str(row["received_on"])[:10]) for row in ROWS]
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file(rows)))
    assert report.ok and len(report.created) == 3
    exported = read_csv(export_cases(office.db, None, CaseFilter(), "csv"))
    assert list(exported[0]) == list(EXPORT_COLUMNS)
    assert [tuple(r[c] for c in IMPORT_COLUMNS) for r in exported] == [
        tuple("" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in EXPECTED]
    assert exported[0]["due_on"] == "2026-03-31"


def test_reader_trims_skips_blank_rows_and_accepts_a_file_without_bom(office: Office) -> None:
    data = csv_file([good(subject="  Padded  ", channel=" Web_Form ", priority="HIGH"), None, None, good()],
                    encoding="utf-8")
    header = ",".join(c.replace("_", " ").title() for c in IMPORT_COLUMNS)  # "Case Type", as a person might
    data = header.encode() + data[data.index(b"\r\n"):]
    rows = parse("cases.CSV", data)
    assert [r.row for r in rows] == [2, 5] and rows[0].subject == "Padded"
    assert import_cases(office.db, SYSTEM, rows).ok
    case = office.db.scalar(select(Case).order_by(Case.id).limit(1))
    assert case is not None and (case.subject, case.channel, case.priority) == ("Padded", "web form", "high")


# --- all or nothing -------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_creates_nothing(office: Office) -> None:
    data = xlsx_file([good(), good(), good(requester_email="sam(at)example.com"), good()])
    errors = errors_of(office.db, data, "cases.xlsx")
    assert errors == [RowError(4, "requester_email",
                               "Enter an email address in the correct format, like name@example.com")]
    assert office.db.scalar(select(AuditEvent.id).where(AuditEvent.action == "cases.imported")) is None


FIELD_ERRORS: list[tuple[dict[str, str], str, str]] = [
    ({"case_type": ""}, "case_type", "Enter the case type: foi, eir, sar, complaint, enquiry, compliment"),
    ({"case_type": "parking"}, "case_type", "'parking' is not a case type"),
    ({"received_on": ""}, "received_on", "Enter the date the request was received"),
    ({"received_on": "02/03/2026"}, "received_on", "as YYYY-MM-DD, like 2026-03-02, not '02/03/2026'"),
    ({"received_on": "2026-02-30"}, "received_on", "2026-02-30 is not a real date"),
    ({"received_on": "2099-01-01"}, "received_on", "Date received must be today or in the past"),
    ({"subject": ""}, "subject", "Enter a subject"),
    ({"subject": "x" * 301}, "subject", "300 characters or fewer"),
    ({"description": " "}, "description", "Enter a description"),
    ({"description": "x" * 20_001}, "description", "20,000 characters or fewer"),
    ({"requester_name": ""}, "requester_name", "Enter the requester's name"),
    ({"requester_name": "x" * 201}, "requester_name", "200 characters or fewer"),
    ({"requester_email": "nope"}, "requester_email", "correct format"),
    ({"requester_email": "a..b@example.com"}, "requester_email", "correct format"),  # the mailer refuses it
    ({"requester_email": ""}, "requester_email", "an email address or a postal address"),
    ({"requester_phone": "call me"}, "requester_phone", "Enter a telephone number"),
    ({"requester_address": "x" * 1001}, "requester_address", "1000 characters or fewer"),
    ({"channel": "pigeon"}, "channel", "Channel must be one of: web form, email, post, phone, api"),
    ({"priority": "asap"}, "priority", "Priority must be normal, high or urgent"),
]


def test_every_field_error_names_row_and_column(office: Office) -> None:
    """One file, a good row then one bad row per kind of error: each is reported on its own row and column."""
    errors = errors_of(office.db, csv_file([good()] + [good(**change) for change, _, _ in FIELD_ERRORS]))
    assert [(e.row, e.field) for e in errors] == [(row, field) for row, (_, field, _) in enumerate(FIELD_ERRORS, 3)]
    for error, (_, _, message) in zip(errors, FIELD_ERRORS, strict=True):
        assert message in error.message, error


def test_every_problem_in_a_row_is_reported_in_column_order(office: Office) -> None:
    errors = errors_of(office.db, csv_file([good(priority="asap", case_type="x", subject=""), None, good(channel="?")]))
    assert [(e.row, e.field) for e in errors] == [(2, "case_type"), (2, "subject"), (2, "priority"), (4, "channel")]


def test_excel_number_phone_and_stray_cells_are_reported(office: Office) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_file([good(requester_phone=1632960001)])))
    stray = get_column_letter(len(TEMPLATE_COLUMNS) + 1)  # the first column after the template's
    book["Cases"][f"{stray}2"] = "a note"
    out = io.BytesIO()
    book.save(out)
    errors = errors_of(office.db, out.getvalue(), "cases.xlsx")
    assert [(e.row, e.field) for e in errors] == [(2, "requester_phone"), (2, f"column {stray}")]
    assert "leading 0" in errors[0].message


def test_an_empty_template_is_refused_as_having_no_cases(office: Office) -> None:
    report = import_cases(office.db, SYSTEM, parse("cases.xlsx", template("xlsx")))
    assert report.errors == [RowError(2, "", "There are no cases under the header row")]


def test_a_failure_while_creating_rolls_back_every_case(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    real = transfer.create_case
    calls = []

    def fails_on_third(session: Session, actor: audit.Actor, new: Any, **options: Any) -> Case:
        calls.append(new)
        if len(calls) == 3:
            raise InvalidInput("refused", {"case_type": "Case type was switched off"})
        return real(session, actor, new, **options)

    monkeypatch.setattr(transfer, "create_case", fails_on_third)
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file([good(), good(), good(), good()])))
    assert report.created == [] and report.errors == [RowError(4, "case_type", "Case type was switched off")]
    assert case_count(office.db) == 0
    monkeypatch.setattr(transfer, "create_case", real)
    assert office.new_case(received_on=dt.date(2026, 3, 2)).reference == "FOI-2026-00001"  # numbers not used up


def test_an_unexpected_error_propagates_after_rolling_back(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    real = transfer.create_case
    created: list[Case] = []

    def breaks_on_second(session: Session, actor: audit.Actor, new: Any, **options: Any) -> Case:
        if created:
            raise RuntimeError("database went away")
        created.append(real(session, actor, new, **options))
        return created[0]

    monkeypatch.setattr(transfer, "create_case", breaks_on_second)
    with pytest.raises(RuntimeError):
        import_cases(office.db, SYSTEM, parse("cases.csv", csv_file([good(), good()])))
    assert created and case_count(office.db) == 0


def test_dry_run_checks_everything_and_creates_nothing(office: Office) -> None:
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file([good(), good()])), dry_run=True)
    assert report.ok and report.dry_run and report.rows == 2 and report.created == []
    assert case_count(office.db) == 0


def test_error_report_csv_lists_problems_and_neutralises_quoted_cells(office: Office) -> None:
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file([good(received_on="=cmd|' /C calc'!A0")])))
    rows = list(csv.reader(io.StringIO(error_report_csv(report).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "problem"]
    assert rows[1][:2] == ["2", "received_on"] and "=cmd" in rows[1][2]
    injected = error_report_csv(transfer.ImportReport(errors=[RowError(2, "x", "=1+1")]))
    assert b"'=1+1" in injected


# --- refusing files -------------------------------------------------------------------------


@pytest.mark.parametrize("header,expected", [
    (IMPORT_COLUMNS[1:], {"case_type": "Add the case_type column (download the template to see every column)"}),
    ((*IMPORT_COLUMNS, "colour"), {"colour": "colour is not a column of the template: check its spelling or remove it"}),
    (("reference", *IMPORT_COLUMNS), {"reference": "An import always creates new cases, which are given references: "
                                                   "remove the reference column"}),
    ((*IMPORT_COLUMNS, "status"), {"status": "The status column is filled in by the system: remove it"}),
    ((*IMPORT_COLUMNS, "subject"), {"subject": "The subject column appears more than once"}),
    (("", *IMPORT_COLUMNS), {"column A": "Column A has no heading"}),
])
def test_header_must_match_the_template(header: Sequence[str], expected: dict[str, str]) -> None:
    for name, data in (("c.csv", csv_file([good()], header)), ("c.xlsx", xlsx_file([good()], header))):
        refused = refusal(name, data)
        assert refused.detail == "The header row does not match the template" and refused.errors == expected


def test_header_problems_are_all_listed_at_once() -> None:
    refused = refusal("c.csv", csv_file([], ("reference", "case_type", "colour")))
    assert set(refused.errors) == {"reference", "colour", *IMPORT_COLUMNS[1:]}


def test_semicolon_separated_csv_gets_a_hint() -> None:
    assert "separated by commas" in refusal("c.csv", ";".join(IMPORT_COLUMNS).encode()).errors["file"]


def _zip(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize("name,data,message", [
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.xlsx is not an Excel workbook"),
    ("cases.csv", "case_type\nCafé".encode("latin-1"), "is not saved as UTF-8: in Excel choose Save As"),
    ("cases.csv", template("xlsx"), "is an Excel workbook with a .csv name"),
    ("cases.csv", b"case_type\x00\x01\x02", "is not a text file"),
    ("report.xlsx", _zip(**{"word/document.xml": "<w/>"}), "is a zip file but not an Excel workbook"),
    ("broken.xlsx", _zip(**{"[Content_Types].xml": "<", "xl/workbook.xml": "<"}), "could not be read"),
    ("cases.xls", b"\xd0\xcf\x11\xe0", "Excel 97-2003 workbooks are not accepted"),
    ("cases.xlsm", template("xlsx"), "Workbooks with macros are not accepted"),
    ("notes.txt", b"hello", "notes.txt is not a spreadsheet"),
    ("empty.csv", b"", "empty.csv is empty"),
    ("blank.csv", b"\n\n", "The first row must be the header row"),
])
def test_files_that_are_not_import_spreadsheets_are_refused(name: str, data: bytes, message: str) -> None:
    assert message in refusal(name, data).detail


def test_size_and_row_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(parse("c.csv", csv_file([good()] * 5_000))) == 5_000
    assert "more than 5,000 rows" in refusal("c.csv", csv_file([good()] * 5_001)).detail
    monkeypatch.setattr(transfer_formats, "MAX_BYTES", 100)
    assert "larger than" in refusal("c.csv", csv_file([good()])).detail


# --- export ---------------------------------------------------------------------------------


INJECTIONS = {"subject": "=HYPERLINK(\"http://evil.example\",\"Click\")", "requester_name": "@SUM(A1:A9)",
              "description": "-2+3+cmd|' /C calc'!A0", "requester_address": "+1+cmd|' /C calc'!A0"}


def test_formula_injection_is_neutralised_in_both_formats(office: Office) -> None:
    office.new_case(subject=INJECTIONS["subject"], description=INJECTIONS["description"],
                    requester=Requester(name=INJECTIONS["requester_name"], email="a@b.com", phone=PHONE,
                                        address=INJECTIONS["requester_address"]))
    [row] = read_csv(export_cases(office.db, None, CaseFilter(), "csv"))
    assert {c: row[c] for c in INJECTIONS} == {c: "'" + v for c, v in INJECTIONS.items()}
    assert row["requester_phone"] == PHONE  # a phone number cannot carry a formula: left intact
    sheet = openpyxl.load_workbook(io.BytesIO(export_cases(office.db, None, CaseFilter(), "xlsx"))).worksheets[0]
    cells = {c.value: c for c in sheet[1]}
    values = {c.column_letter: c for c in sheet[2]}
    for column, value in INJECTIONS.items():
        cell = values[cells[column].column_letter]
        assert cell.data_type == "s" and cell.value == "'" + value
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])


def test_export_shows_only_what_the_user_may_see(office: Office) -> None:
    foi = office.new_case("foi")
    sar = office.new_case("sar")
    office.new_case("complaint")
    parks = office.db.scalar(select(Group).where(Group.name == "Parks"))
    assert parks is not None
    restrict(office.db, SYSTEM, office.admin, sar, {parks.id}, reason="About a colleague")

    def references(user: Any, **filters: Any) -> list[str]:
        return [r["reference"] for r in read_csv(export_cases(office.db, user, CaseFilter(**filters), "csv"))]

    assert len(references(office.admin)) == len(references(None)) == 3
    assert sar.reference not in references(office.caseworker) and foi.reference in references(office.caseworker)
    assert references(office.outsider) == []
    assert references(None, case_types=("foi",)) == [foi.reference]


def test_closed_cases_export_with_owner_outcome_and_closing_date(office: Office) -> None:
    case = office.new_case("enquiry")
    claim(office.db, SYSTEM, office.manager, case)
    close(office.db, SYSTEM, office.manager, case, outcome="answered")
    assert read_csv(export_cases(office.db, None, CaseFilter(), "csv")) == []  # open cases by default
    [row] = read_xlsx(export_cases(office.db, None, CaseFilter(open_only=False), "xlsx", actor=SYSTEM))
    assert (row["status"], row["owner"], row["team"], row["outcome"]) == (
        "Closed", "manager@example.gov.uk", "Customer relations", "Answered")
    assert isinstance(row["closed_on"], dt.datetime)
    entry = office.db.scalar(select(AuditEvent).where(AuditEvent.action == "cases.exported"))
    assert entry is not None and entry.summary == "1 case exported as XLSX"


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI reads the environment like production does; point it at this test's database, seeded and committed."""
    from backoffice.cases.case_types import seed_built_in_types
    from shared.runtime import Runtime

    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
    runtime = Runtime.from_settings(settings)
    with transaction(runtime.factory) as session:
        seed_built_in_types(session, SYSTEM)
    runtime.engine.dispose()
    return settings


def committed_references(settings: Settings) -> list[str]:
    from shared.runtime import Runtime

    runtime = Runtime.from_settings(settings)
    try:
        with transaction(runtime.factory) as session:
            return list(session.scalars(select(Case.reference).order_by(Case.id)))
    finally:
        runtime.engine.dispose()


def test_cli_template_import_and_export(cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "template.xlsx"
    assert main(["cases", "template", str(blank)]) == 0
    assert [c.value for c in openpyxl.load_workbook(blank)["Cases"][1]] == list(TEMPLATE_COLUMNS)

    upload = tmp_path / "cases.csv"
    upload.write_bytes(csv_file([good(), good(case_type="enquiry")]))
    assert main(["cases", "import", str(upload), "--dry-run"]) == 0
    assert "2 row(s) checked" in capsys.readouterr().out and committed_references(cli_env) == []
    assert main(["cases", "import", str(upload)]) == 0
    assert committed_references(cli_env) == ["FOI-2026-00001", "ENQ-2026-00001"]

    out = tmp_path / "out.xlsx"
    assert main(["cases", "export", str(out), "--case-type", "enquiry", "--all"]) == 0
    assert [r["reference"] for r in read_xlsx(out.read_bytes())] == ["ENQ-2026-00001"]
    assert "Exported 1 case(s)" in capsys.readouterr().out


def test_cli_reports_row_errors_and_refusals(cli_env: Settings, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    upload = tmp_path / "cases.csv"
    upload.write_bytes(csv_file([good(), good(priority="asap")]))
    assert main(["cases", "import", str(upload)]) == 2
    err = capsys.readouterr().err
    assert "no cases were created" in err and "row 3, priority: Priority must be" in err
    assert committed_references(cli_env) == []
    renamed = tmp_path / "photo.xlsx"
    renamed.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert main(["cases", "import", str(renamed)]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err
    assert main(["cases", "export", str(tmp_path / "x.csv"), "--case-type", "parking"]) == 2
    assert "no case type parking" in capsys.readouterr().err
