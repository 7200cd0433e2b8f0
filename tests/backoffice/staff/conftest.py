"""Fixtures for staff access: the back-office app, and a probe app with role-protected pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from backoffice.staff.access import at_least, current_user, signed_in
from backoffice.staff.accounts import Role
from backoffice.staff.web.routes import staff_routes
from backoffice.web import TEMPLATES
from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell


@pytest.fixture
def client(app_client) -> TestClient:
    return app_client("backoffice")


def _hello(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    assert ctx.actor is not None and ctx.actor.id == str(user.id)
    return PlainTextResponse(f"hello {user.email} ({user.role})")


def _start(ctx: RequestContext) -> Response:
    return PlainTextResponse("start")


@pytest.fixture
def probe(runtime: Runtime) -> Iterator[TestClient]:
    """The staff pages plus pages for given roles, in an app of their own (as tests/shared/test_security does)."""
    routes = [
        *staff_routes(),
        page("/", _start, name="start", access=PUBLIC),
        page("/cases", _hello, name="cases", access=signed_in(Role.CASEWORKER, Role.MANAGER)),
        page("/admin", _hello, name="admin", access=signed_in(Role.ADMINISTRATOR)),
        page("/reports", _hello, name="reports", access=signed_in(*at_least(Role.MANAGER))),
        page("/cases/{case_id:int}/close", _hello, name="close", access=signed_in(Role.CASEWORKER), methods=("POST",)),
    ]
    app = create_web_app(runtime, shell=Shell(app_key="probe", service_name="Probe"), routes=routes,
                         templates_dir=TEMPLATES)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
