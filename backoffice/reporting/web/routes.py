"""The reporting area's routes: managers and administrators only (figures about every team's work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.reporting.web import pages
from backoffice.staff.access import MANAGERS
from shared.web import page


def reporting_routes() -> list[BaseRoute]:
    return [
        page("/reports", pages.index, name="reports", access=MANAGERS),
        page("/reports/dashboard", pages.dashboard_page, name="reports-dashboard", access=MANAGERS),
        page("/reports/{report:str}", pages.show, name="report", access=MANAGERS),
        page("/reports/{report:str}/cases", pages.cases, name="report-cases", access=MANAGERS),
        page("/reports/{report:str}/download", pages.download, name="report-download", access=MANAGERS),
    ]
