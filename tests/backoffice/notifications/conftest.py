"""Signed-in browsers on a committed back office, for the notification and contacts pages."""

from __future__ import annotations

import json
import re
import uuid
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import CaseType
from backoffice.staff.accounts import Role, create_user
from backoffice.staff.sessions import start_session
from shared import audit
from shared.settings import Settings

SYSTEM = audit.Actor(type="system", label="tests")
COOKIE = "civic_backoffice"


@dataclass
class Site:
    factory: sessionmaker[Session]
    users: dict[Role, int]
    foi_id: int


@pytest.fixture
def site(session_factory: sessionmaker[Session]) -> Site:
    with session_factory() as session, session.begin():
        seed_built_in_types(session, SYSTEM)
        users = {role: create_user(session, SYSTEM, email=f"{role.value}@example.gov.uk", name=role.value.title(),
                                   role=role, password=None).id for role in Role}
        foi = session.scalar(select(CaseType.id).where(CaseType.key == "foi"))
        assert foi is not None
        return Site(session_factory, users, foi)


class Browser:
    """A signed-in TestClient that sends the CSRF token and a fresh single-use key with each form."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any] | None = None, *, key: str | None = None) -> httpx.Response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/sign-out-everywhere").text)
        assert token
        form = {"csrf_token": token.group(1), "idempotency_key": key or uuid.uuid4().hex, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False)


_TEMPLATES: list[Any] = []


@pytest.fixture
def browser(app_client: Callable[..., TestClient], site: Site, settings: Settings) -> Callable[[Role], Browser]:
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        app = client.app
        assert isinstance(app, Starlette)
        if not _TEMPLATES:  # compiling the GOV.UK macros once per run, not once per app, keeps this quick
            _TEMPLATES.append(app.state.templates)
        app.state.templates = _TEMPLATES[0]
        with site.factory() as session, session.begin():
            from backoffice.staff.accounts import StaffUser

            user = session.get(StaffUser, site.users[role])
            assert user is not None
            _, token = start_session(session, user, ip="testclient", user_agent="testclient")
        data = b64encode(json.dumps({"staff_session": token}).encode())
        client.cookies.set(COOKIE, TimestampSigner(settings.secret_key).sign(data).decode())
        return Browser(client)

    return make
