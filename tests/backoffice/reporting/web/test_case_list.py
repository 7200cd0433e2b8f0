"""The case list export: written at once when small, by the worker with its progress when not, scanned,
downloaded by whoever asked for it (and recorded), and forgotten after a week."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backoffice.reporting import exporting
from backoffice.reporting.case_export import COLUMNS
from backoffice.reporting.models import ReportExport
from backoffice.staff.accounts import Role
from shared.audit import AuditEvent
from shared.runtime import Runtime
from shared.worker import build_worker
from tests.conftest import SPECS
from tests.factories import Office
from tests.pages import Browser


def _work(runtime: Runtime, clamd_socket: str) -> None:
    """What the worker does in production: write queued exports and scan files against the live clamd."""
    worker = Runtime(dataclasses.replace(runtime.settings, clamd_socket=clamd_socket), runtime.engine, runtime.factory)
    build_worker(worker, SPECS).run_until_idle()


def _download_link(page: str) -> str:
    match = re.search(r'href="(/reports/exports/\d+/file)"', page)
    assert match, page
    return match[1]


def test_a_small_list_is_written_at_once_then_scanned_and_downloaded(
        browser: Callable[[Role], Browser], office: Office, runtime: Runtime, clamd_socket: str,
        check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    page = manager.get("/reports/case-list?period=2026-Q1")
    check_page(page, title="Case list export")
    assert "3 cases received" in page.text
    assert manager.post("/reports/case-list", {"period": "2026-Q1", "format": "csv"}).status_code == 303
    assert "Checking for viruses" in manager.get("/reports/exports").text
    _work(runtime, clamd_socket)
    exports = manager.get("/reports/exports")
    check_page(exports, title="Your exports")
    response = manager.get(_download_link(exports.text))
    assert response.status_code == 200 and response.headers["accept-ranges"] == "bytes"
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == [c.heading for c in COLUMNS] and len(COLUMNS) >= 40
    assert len(table) == 4 and {row[0] for row in table[1:]} >= {office.late_reference}  # type: ignore[attr-defined]
    late = next(row for row in table if row[0] == office.late_reference)  # type: ignore[attr-defined]
    assert late[table[0].index("In time")] == "No" and late[table[0].index("Exemption keys")] == "s40"
    with office.factory() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "report_export")))
    assert actions == {"report.export_requested", "report.export_downloaded"}
    assert browser(Role.CASEWORKER).get(_download_link(exports.text)).status_code == 403


def test_a_long_list_is_written_by_the_worker_with_its_progress(
        browser: Callable[[Role], Browser], office: Office, runtime: Runtime, clamd_socket: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporting, "AT_ONCE", 1)
    manager = browser(Role.MANAGER)
    assert manager.post("/reports/case-list", {"period": "2026-Q1", "format": "xlsx"}).status_code == 303
    assert "Waiting to start: 3 cases" in manager.get("/reports/exports").text
    _work(runtime, clamd_socket)
    with office.factory() as session:
        export = session.scalars(select(ReportExport)).one()
        assert (export.status, export.rows_done, export.rows_total) == ("written", 3, 3)
    response = manager.get(_download_link(manager.get("/reports/exports").text))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][COLUMNS.index(next(c for c in COLUMNS if c.key == "received_on"))] is not None
    assert "Definitions" in book.sheetnames


def test_bad_choices_are_refused_and_old_exports_forgotten(
        browser: Callable[[Role], Browser], office: Office, runtime: Runtime,
        check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    check_page(manager.post("/reports/case-list", {"period": "2026-Q1", "format": "pdf"}), status=422,
               title="Error: Case list export")
    check_page(manager.post("/reports/case-list", {"period": "3000-Q1", "format": "csv"}), status=422)
    assert manager.post("/reports/case-list", {"period": "2026-Q1", "format": "csv"}).status_code == 303
    with office.factory() as session:
        assert exporting.forget_old(session, runtime.settings, dt.datetime.now(dt.UTC)) == 0
        assert exporting.forget_old(session, runtime.settings, dt.datetime.now(dt.UTC) + exporting.KEPT
                                    + dt.timedelta(minutes=1)) == 1
        session.commit()
    assert "You have no exports" in manager.get("/reports/exports").text


def test_the_page_shows_how_far_the_worker_has_got(browser: Callable[[Role], Browser], office: Office,
                                                   runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporting, "AT_ONCE", 1)
    manager = browser(Role.MANAGER)
    manager.post("/reports/case-list", {"period": "2026-Q1", "format": "ods"})
    with office.factory() as session:
        export_id = session.scalars(select(ReportExport.id)).one()
    exporting._note_progress(runtime.settings, export_id)(2)  # what the worker writes after each batch
    assert "Writing: 2 of 3 cases" in manager.get("/reports/exports").text


def test_a_report_over_many_cases_is_prepared_by_the_worker(
        browser: Callable[[Role], Browser], office: Office, runtime: Runtime, clamd_socket: str,
        monkeypatch: pytest.MonkeyPatch, check_page: Callable[..., object]) -> None:
    monkeypatch.setattr(exporting, "LARGE_REPORT", 2)  # the quarter's 3 cases are "many"
    manager = browser(Role.MANAGER)
    page = manager.get("/reports/cabinet-office-return?period=2026-Q1")
    check_page(page, title="Cabinet Office FOI return")
    assert "Prepare the file" in page.text and "/download?" not in page.text
    assert manager.post("/reports/cabinet-office-return/files", {"period": "2026-Q1", "format": "xlsx"}).status_code \
        == 303
    waiting = manager.get("/reports/exports")
    assert "Cabinet Office FOI return" in waiting.text and "Waiting to start: 3 cases" in waiting.text
    _work(runtime, clamd_socket)
    exports = manager.get("/reports/exports")
    check_page(exports, title="Your exports")
    response = manager.get(_download_link(exports.text))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert "Definitions" in book.sheetnames
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert "Total requests received" in rows[0] and rows[1][rows[0].index("Total requests received")] == 3
    refused = manager.post("/reports/cabinet-office-return/files", {"period": "2026-Q1", "format": "pdf"})
    assert refused.status_code == 422
