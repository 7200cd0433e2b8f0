"""The automation routes, for ``backoffice.web.routes()``.

A case's targets page is for every signed-in member of staff who can see the case; escalating needs a
caseworker or above (the domain checks the case itself again). The settings pages are for administrators.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.automation.web import admin, case
from backoffice.staff.access import ADMIN, STAFF, WORKERS
from shared.web import page

POST = ("POST",)
SETTINGS = "/admin/case-types/{case_type_id:id}/automation"


def automation_routes() -> list[BaseRoute]:
    return [
        page("/cases/{reference}/targets", case.targets, name="case-targets", access=STAFF),
        page("/cases/{reference}/escalate", case.escalate, name="case-escalate", access=WORKERS, methods=POST),
        page(SETTINGS, admin.show, name="admin-automation", access=ADMIN),
        page(SETTINGS + "/limit", admin.save_limit, name="admin-automation-limit", access=ADMIN, methods=POST),
        page(SETTINGS + "/reminders", admin.add_reminder, name="admin-automation-reminder", access=ADMIN,
             methods=POST),
        page(SETTINGS + "/milestones", admin.add_milestone, name="admin-automation-milestone", access=ADMIN,
             methods=POST),
        page(SETTINGS + "/routines", admin.add_routine, name="admin-automation-routine", access=ADMIN,
             methods=POST),
        page(SETTINGS + "/{what}/{row_id:id}/remove", admin.remove, name="admin-automation-remove", access=ADMIN,
             methods=POST),
    ]
