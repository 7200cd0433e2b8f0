"""Retention's routes: managers and administrators only."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.retention.web import pages
from backoffice.staff.access import MANAGERS
from shared.web import page

POST = ("POST",)


def retention_routes() -> list[BaseRoute]:
    return [
        page("/retention", pages.index, name="retention", access=MANAGERS),
        page("/retention/prepare", pages.prepare, name="retention-prepare", access=MANAGERS, methods=POST),
        page("/retention/{review_id:id}", pages.show, name="retention-review", access=MANAGERS),
        page("/retention/{review_id:id}/approve", pages.approve, name="retention-approve", access=MANAGERS,
             methods=POST),
        page("/cases/{reference}/legal-hold", pages.place_hold, name="case-legal-hold", access=MANAGERS, methods=POST),
        page("/cases/{reference}/legal-hold/lift", pages.lift_hold, name="case-legal-hold-lift", access=MANAGERS,
             methods=POST),
    ]
