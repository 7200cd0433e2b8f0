"""Import and export pages: templates, all-or-nothing imports with their problems, and exports of visible cases."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.cases.transfer import IMPORT_COLUMNS
from backoffice.intake.new_cases import today_in_london


def _csv(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _row(**overrides: str) -> dict[str, str]:
    row = {"case_type": "enquiry", "received_on": today_in_london().isoformat(), "subject": "Bin collections",
           "description": "When is my bin collected?", "requester_name": "Ali Khan",
           "requester_email": "ali@example.com", "channel": "post", "priority": ""}
    row.update(overrides)
    return row


def _cases(office) -> int:
    with office.factory() as session:
        return int(session.scalar(select(func.count(Case.id))) or 0)


def test_templates_download(manager) -> None:
    for fmt in ("xlsx", "csv"):
        response = manager.get(f"/cases/import/template.{fmt}")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == f'attachment; filename="case-import-template.{fmt}"'
    assert manager.get("/cases/import/template.csv").text.lstrip("\ufeff").startswith("case_type,received_on")


def test_a_good_file_creates_every_case(manager, office, check_page) -> None:
    data = _csv(_row(), _row(requester_name="Bea Lund", subject="Parking"))
    response = manager.post("/cases/import", files={"file": ("cases.csv", data, "text/csv")}, key="upload-1")
    assert response.status_code == 303
    assert _cases(office) == 2
    repeat = manager.post("/cases/import", files={"file": ("cases.csv", data, "text/csv")}, key="upload-1")
    assert repeat.headers["location"] == response.headers["location"] and _cases(office) == 2
    page = manager.get(response.headers["location"])
    check_page(page, title="Cases imported")
    assert "2 cases imported" in page.text
    with office.factory() as session:
        for reference in session.scalars(select(Case.reference)):
            assert reference in page.text


def test_a_bad_file_creates_nothing_and_lists_its_problems(manager, admin, office, check_page) -> None:
    data = _csv(_row(), _row(case_type="parking", requester_name=""), _row(received_on="02/03/2026"))
    response = manager.post("/cases/import", files={"file": ("cases.csv", data, "text/csv")})
    assert response.status_code == 303
    assert _cases(office) == 0
    location = response.headers["location"]
    page = manager.get(location)
    check_page(page, title="Error: Fix the problems in the file")
    assert "There is a problem" in page.text and "No cases have been imported" in page.text
    assert "Row 3:" in page.text and "Enter the requester&#39;s name" in page.text
    assert "is not a case type" in page.text and "Enter the date received as YYYY-MM-DD" in page.text
    download = manager.get(location + "/problems.csv")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0] == ["row", "column", "problem"] and {r[0] for r in rows[1:]} == {"3", "4"}
    assert admin.get(location).status_code == 404  # only the person who imported sees the result


def test_a_missing_or_wrong_file_is_refused_on_the_form(manager, office, check_page) -> None:
    nothing = manager.post("/cases/import", files={"file": ("", b"", "application/octet-stream")})
    check_page(nothing, status=422, title="Error: Import cases")
    assert "Select a spreadsheet file to import" in nothing.text and 'href="#file"' in nothing.text
    wrong = manager.post("/cases/import", files={"file": ("notes.txt", b"hello", "text/plain")})
    check_page(wrong, status=422)
    assert "notes.txt is not a spreadsheet" in wrong.text
    assert "smaller than 10 MB" in wrong.text
    assert _cases(office) == 0


def test_an_export_holds_only_the_cases_the_user_can_see(manager, office, check_page) -> None:
    foi = office.new_reference("foi")
    enquiry = office.new_reference("enquiry")
    response = manager.get("/cases/export/download", params={"format": "csv", "case_type": "", "cases": "all"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="cases-all-')
    assert enquiry in response.text and foi not in response.text
    xlsx = manager.get("/cases/export/download", params={"format": "xlsx", "case_type": "enquiry", "cases": "open"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    refused = manager.get("/cases/export/download", params={"format": "pdf", "case_type": "nope", "cases": ""})
    check_page(refused, status=422, title="Error: Export cases")
    for message in ("Select a file format", "Select a case type from the list", "Select which cases to export"):
        assert message in refused.text


def test_dates_received_outside_the_calendar_are_row_problems(manager, office, check_page) -> None:
    """The deadline calendars cover 2000 to 2045: an older date (a cell or text) is a row's problem, not a 500."""
    from openpyxl import Workbook

    data = _csv(_row(), _row(received_on="1999-12-31"), _row(received_on="٢٠٢٥-٠١-٠١"))
    response = manager.post("/cases/import", files={"file": ("cases.csv", data, "text/csv")})
    assert response.status_code == 303
    page = manager.get(response.headers["location"])
    check_page(page, title="Error: Fix the problems in the file")
    assert "Row 3: Date received must be on or after 1 January 2000" in page.text
    assert "Row 4: Enter the date received as YYYY-MM-DD" in page.text
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cases"
    sheet.append(list(IMPORT_COLUMNS))
    row = _row()
    sheet.append([row.get(name, "") for name in IMPORT_COLUMNS])
    sheet.append([dt.date(1950, 6, 1) if name == "received_on" else row.get(name, "") for name in IMPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    response = manager.post("/cases/import", files={"file": ("cases.xlsx", out.getvalue(), "application/octet-stream")})
    assert response.status_code == 303
    page = manager.get(response.headers["location"])
    check_page(page, title="Error: Fix the problems in the file")
    assert "Row 3: Date received must be on or after 1 January 2000" in page.text
    assert _cases(office) == 0


def test_an_impossible_stage_history_is_a_row_problem_on_the_page(manager, office, check_page) -> None:
    """A complaint's stage columns checked like any other: listed by row and column, never a server error."""
    columns = (*IMPORT_COLUMNS, "responded_on", "outcome", "stage", "stage1_responded_on", "stage1_ended_on")
    rows = [_row(case_type="complaint", received_on="2026-01-19", responded_on="2026-03-12", outcome="not_upheld",
                 stage="2", stage1_responded_on="2026-01-30", stage1_ended_on="2026-02-09"),
            _row(case_type="complaint", received_on="2026-01-19", stage="2", stage1_responded_on="2026-01-30"),
            _row(stage="2", stage1_ended_on="2026-02-09")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    response = manager.post("/cases/import", files={"file": ("cases.csv", out.getvalue().encode(), "text/csv")})
    assert response.status_code == 303
    page = manager.get(response.headers["location"])
    check_page(page, title="Error: Fix the problems in the file")
    assert "Row 3: A complaint at stage 2 needs stage 1&#39;s dates: enter stage1_ended_on" in page.text
    assert "Row 4: Only complaints are handled in stages" in page.text
    assert _cases(office) == 0
