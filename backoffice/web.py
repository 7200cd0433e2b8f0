"""The staff app's routes and app factory."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import BaseRoute

from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHELL = Shell(app_key="backoffice", service_name="Case management")


def start(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/start.html")


def routes() -> list[BaseRoute]:
    from backoffice import dev_mail
    from backoffice.staff.web.routes import staff_routes

    return [
        page("/", start, name="start", access=PUBLIC),
        *dev_mail.routes(),
        *staff_routes(),
    ]


def create_app(runtime: Runtime) -> Starlette:
    return create_web_app(runtime, shell=SHELL, routes=routes(), templates_dir=TEMPLATES)
