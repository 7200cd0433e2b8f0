"""The incidents area's routes: managers and administrators, as for reporting (incidents are about every
service the body runs, not one team's cases)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.incidents.web import incident, listing, maintenance, performance
from backoffice.staff.access import MANAGERS
from shared.web import page

POST = ("POST",)


def incident_routes() -> list[BaseRoute]:
    return [
        page("/incidents", listing.index, name="incidents", access=MANAGERS),
        page("/incidents/new", listing.new, name="incident-new", access=MANAGERS, methods=("GET", "POST")),
        page("/incidents/maintenance", maintenance.page, name="incident-maintenance", access=MANAGERS,
             methods=("GET", "POST")),
        page("/incidents/maintenance/{maintenance_id:id}/cancel", maintenance.cancel,
             name="incident-maintenance-cancel", access=MANAGERS, methods=POST),
        page("/incidents/performance", performance.page, name="incident-performance", access=MANAGERS),
        page("/incidents/performance/incidents", performance.incidents, name="incident-performance-incidents",
             access=MANAGERS),
        page("/incidents/{reference:str}", incident.show, name="incident", access=MANAGERS),
        page("/incidents/{reference:str}/report", incident.report, name="incident-report", access=MANAGERS,
             methods=("GET", "POST")),
        *(page(f"/incidents/{{reference:str}}/{name}", incident.step_handler(name), name=f"incident-{name}",
               access=MANAGERS, methods=POST) for name in incident.STEPS),
    ]
