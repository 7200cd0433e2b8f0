"""Routes for ``backoffice.web.routes()``: all for administrators only."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.notifications.web import contacts, pages
from backoffice.staff.access import ADMIN
from shared.web import page

FORM = ("GET", "POST")


def notification_routes() -> list[BaseRoute]:
    case_type = "/admin/notifications/{case_type_id:id}"
    return [
        page("/admin/notifications", pages.index, name="admin-notifications", access=ADMIN, methods=FORM),
        page(case_type, pages.switches, name="admin-notifications-type", access=ADMIN, methods=FORM),
        page(case_type + "/{notice}", pages.wording_page, name="admin-notification-wording", access=ADMIN, methods=FORM),
        page("/admin/contacts", contacts.contacts_page, name="admin-contacts", access=ADMIN, methods=FORM),
    ]
