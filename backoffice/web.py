"""The staff app's routes and app factory."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import BaseRoute

from shared.runtime import Runtime
from shared.settings import Settings
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHELL = Shell(app_key="backoffice", service_name="Case management")


def start(ctx: RequestContext) -> Response:
    """Public, for visitors; a signed-in member of staff goes straight on to their own cases."""
    from backoffice.staff.access import SESSION_KEY
    from backoffice.staff.sessions import find_session

    if find_session(ctx.db, ctx.request.session.get(SESSION_KEY)) is not None:
        return ctx.redirect("my-cases")
    return ctx.render("backoffice/start.html")


def routes(settings: Settings | None = None) -> list[BaseRoute]:
    from backoffice.admin.web import kept_mail as dev_mail
    from backoffice.admin.web.routes import admin_routes
    from backoffice.api.web import api_routes
    from backoffice.automation.web.routes import automation_routes
    from backoffice.casework.web.routes import casework_routes
    from backoffice.incidents.web.routes import incident_routes
    from backoffice.notifications.web import notification_routes
    from backoffice.reporting.web.routes import reporting_routes
    from backoffice.retention.web.routes import retention_routes
    from backoffice.staff.web.routes import staff_routes
    from backoffice.support.web.routes import support_routes

    return [
        page("/", start, name="start", access=PUBLIC),
        *dev_mail.routes(),
        *staff_routes(settings),
        *admin_routes(),  # before casework: /cases/import and /cases/export are not case references
        *retention_routes(),
        *notification_routes(),
        *casework_routes(),
        *automation_routes(),
        *reporting_routes(),
        *incident_routes(),
        *support_routes(),
        *api_routes(),
    ]


def create_app(runtime: Runtime) -> Starlette:
    from backoffice.api.web import PATHS as API_PATHS

    return create_web_app(runtime, shell=SHELL, routes=routes(runtime.settings), templates_dir=TEMPLATES,
                          api_prefix=API_PATHS)
