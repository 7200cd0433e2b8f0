"""A report downloaded as CSV, XLSX and ODS, each read back with a real reader."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from odf.opendocument import load
from openpyxl import load_workbook

from backoffice.staff.accounts import Role
from tests.pages import Browser
from tests.shared.test_tables_ods import sheets

URL = "/reports/timeliness/download?period=2026-Q1&format="


def test_xlsx_has_every_table_graded_and_a_definitions_sheet(browser: Callable[[Role], Browser]) -> None:
    response = browser(Role.MANAGER).get(URL + "xlsx")
    assert response.status_code == 200
    assert 'filename="timeliness-2026-Q1.xlsx"' in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["By type", "By team", "By month received", "Complaints by stage", "Definitions"]
    rows = list(book["By type"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Type", "Received", "Answered in time")
    foi = next(r for r in rows if r[0] == "Freedom of Information request")
    assert foi[1] == 3 and foi[-1] in ("Unsatisfactory", "Good", "Adequate")
    definitions = [r for r in book["Definitions"].iter_rows(values_only=True) if r and r[2] == "In time (%)"]
    assert definitions and "share of the cases" in str(definitions[0][3])


def test_ods_and_csv_carry_the_same_figures(browser: Callable[[Role], Browser]) -> None:
    manager = browser(Role.MANAGER)
    ods = manager.get(URL + "ods")
    assert ods.status_code == 200 and ods.headers["content-type"].startswith("application/vnd.oasis.opendocument")
    read = sheets(load(io.BytesIO(ods.content)))
    by_type = read["By type"]
    foi = next(r for r in by_type if r[0].text == "Freedom of Information request")
    assert foi[1].type == "float" and foi[1].value == "3"
    text = manager.get(URL + "csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:2] == ["Type", "Received"]
    assert next(r for r in table if r[0] == "Freedom of Information request")[1] == "3"


def test_a_bad_format_or_period_is_refused_not_a_file(browser: Callable[[Role], Browser]) -> None:
    manager = browser(Role.MANAGER)
    assert manager.get(URL + "pdf").status_code == 422
    assert manager.get("/reports/timeliness/download?period=2999-Q1&format=csv").status_code == 422
