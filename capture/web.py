"""Capture's routes and app factory."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response

from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHELL = Shell(app_key="capture", service_name="Make a request")


def start(ctx: RequestContext) -> Response:
    return ctx.render("capture/start.html")


def routes() -> list:  # type: ignore[type-arg]
    return [page("/", start, name="start", access=PUBLIC)]


def create_app(runtime: Runtime) -> Starlette:
    return create_web_app(runtime, shell=SHELL, routes=routes(), templates_dir=TEMPLATES)
