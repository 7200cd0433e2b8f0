"""Reports through the API: JSON that keeps to the OpenAPI document, files that real readers open, problems
for a bad period, format or name, and the scope it needs."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from backoffice.api.openapi import document
from tests.backoffice.api.conftest import Api
from tests.backoffice.api.schema_check import assert_valid


def _with_reports(api: Api) -> dict[str, str]:
    _, token = api.new_client("Statistics", ("reports:read",))
    return {"Authorization": f"Bearer {token}"}


def test_a_report_as_json_and_as_a_spreadsheet(api: Api) -> None:
    api.seed_case("foi", dt.date(2026, 1, 12))
    auth = _with_reports(api)
    response = api.client.get("/api/v1/reports/cabinet-office-return?period=2026-Q1", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert_valid(document(api.runtime.settings), "Report", body)
    assert body["period"] == {"key": "2026-Q1", "label": "January to March 2026", "start": "2026-01-01",
                              "end": "2026-03-31"}
    columns = [c["key"] for c in body["tables"][0]["columns"]]
    assert body["tables"][0]["rows"][0][columns.index("received")] == 1
    xlsx = api.client.get("/api/v1/reports/timeliness?period=2026-Q1&format=xlsx", headers=auth)
    assert xlsx.status_code == 200 and "Definitions" in load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_bad_requests_are_problems_and_the_scope_is_needed(api: Api) -> None:
    auth = _with_reports(api)
    for path, status in (("/api/v1/reports/nope", 404), ("/api/v1/reports/timeliness?period=2026-Q5", 422),
                         ("/api/v1/reports/timeliness?period=2999-Q1", 422),
                         ("/api/v1/reports/timeliness?period=2026-03-01..2026-01-01", 422),
                         ("/api/v1/reports/timeliness?format=pdf", 422)):
        response = api.client.get(path, headers=auth)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get("/api/v1/reports/timeliness").status_code == 403  # the case scopes only


def test_unknown_or_repeated_parameters_are_refused(api: Api) -> None:
    auth = _with_reports(api)
    for query in ("?colour=blue", "?=false", "?period=2026-Q1&period=2026-Q2"):
        response = api.client.get("/api/v1/reports/timeliness" + query, headers=auth)
        assert response.status_code == 400, query
