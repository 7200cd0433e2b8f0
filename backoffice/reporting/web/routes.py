"""The reporting area's routes: managers and administrators only (figures about every team's work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.reporting.web import exports, pages
from backoffice.staff.access import MANAGERS
from shared.web import page


def reporting_routes() -> list[BaseRoute]:
    return [
        page("/reports", pages.index, name="reports", access=MANAGERS),
        page("/reports/case-list", exports.case_list, name="report-case-list", access=MANAGERS),
        page("/reports/case-list", exports.create, name="report-case-list-create", access=MANAGERS,
             methods=("POST",)),
        page("/reports/exports", exports.index, name="report-exports", access=MANAGERS),
        page("/reports/exports/{export_id:id}/file", exports.download, name="report-export-file", access=MANAGERS,
             writes_on_get=True),
        page("/reports/dashboard", pages.dashboard_page, name="reports-dashboard", access=MANAGERS),
        page("/reports/{report:str}", pages.show, name="report", access=MANAGERS),
        page("/reports/{report:str}/cases", pages.cases, name="report-cases", access=MANAGERS),
        page("/reports/{report:str}/download", pages.download, name="report-download", access=MANAGERS),
        page("/reports/{report:str}/files", exports.prepare, name="report-prepare", access=MANAGERS,
             methods=("POST",)),
    ]
