"""A seeded back office for the administration pages: built-in case types, one account per role,
and signed-in browsers (TestClients) for each."""

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
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient

from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import CaseType
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.organisation.body import set_allowed_staff_domains
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member
from backoffice.staff.sessions import start_session
from shared import audit
from shared.settings import Settings

SYSTEM = audit.Actor(type="system", label="tests")
EMAILS = {role: f"{role.value}@example.gov.uk" for role in Role}
COOKIE = "civic_backoffice"


@dataclass
class Office:
    factory: sessionmaker[Session]
    users: dict[Role, int]
    foi_id: int
    info_governance_id: int
    customer_relations_id: int

    def new_case(self, case_type: str = "foi", **overrides: Any) -> str:
        """Create a case as intake would, committed; returns its reference."""
        values: dict[str, Any] = dict(case_type=case_type, subject="Bus timetables", description="Send them.",
                                      requester=Requester(name="Sam Jones", email="sam@example.com"), channel="email")
        values.update(overrides)
        with self.factory() as session, session.begin():
            return create_case(session, SYSTEM, NewCase(**values)).reference


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    """The administrator is in no group (they see everything); the manager only in Customer relations."""
    with session_factory() as session, session.begin():
        seed_built_in_types(session, SYSTEM)
        set_allowed_staff_domains(session, SYSTEM, ["example.gov.uk"])
        users = {role: create_user(session, SYSTEM, email=EMAILS[role], name=role.value.title(), role=role,
                                   password=None).id for role in Role}
        groups = {g.name: g.id for g in session.scalars(select(Group))}
        add_member(session, SYSTEM, groups["Customer relations"], users[Role.MANAGER])
        add_member(session, SYSTEM, groups["Information governance"], users[Role.CASEWORKER])
        foi = session.scalar(select(CaseType.id).where(CaseType.key == "foi"))
        assert foi is not None
        return Office(session_factory, users, foi, groups["Information governance"], groups["Customer relations"])


class Browser:
    """A signed-in TestClient that fills in the hidden fields of our forms, as a browser would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def token(self) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/sign-out-everywhere").text)
        assert match
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, key: str | None = None,
             **kwargs: Any) -> httpx.Response:
        form = {"csrf_token": self.token(), "idempotency_key": key or uuid.uuid4().hex, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)


def signed_in_client(client: TestClient, factory: sessionmaker[Session], settings: Settings, user_id: int) -> TestClient:
    """A live server-side session, made as signing in makes it (without paying for argon2 in every test)."""
    with factory() as session, session.begin():
        user = session.get(StaffUser, user_id)
        assert user is not None
        _, token = start_session(session, user, ip="testclient", user_agent="testclient")
    data = b64encode(json.dumps({"staff_session": token}).encode())
    client.cookies.set(COOKIE, TimestampSigner(settings.secret_key).sign(data).decode())
    return client


_TEMPLATES: list[Jinja2Templates] = []


def _share_templates(client: TestClient) -> None:
    """Reuse one compiled Jinja environment across tests: compiling the GOV.UK macros again for every
    new app is most of a page test's time. Same settings, same shell, so the same templates."""
    app = client.app
    assert isinstance(app, Starlette)
    if not _TEMPLATES:
        _TEMPLATES.append(app.state.templates)
    app.state.templates = _TEMPLATES[0]


@pytest.fixture
def browser(app_client: Callable[..., TestClient], office: Office, settings: Settings) -> Callable[..., Browser]:
    """``browser(Role.ADMINISTRATOR)``: a new browser signed in with that role (None: not signed in);
    ``browser(user_id=...)`` signs in a given account."""

    def make(role: Role | None = None, *, user_id: int | None = None) -> Browser:
        client = app_client("backoffice")
        _share_templates(client)
        if role is not None or user_id is not None:
            signed_in_client(client, office.factory, settings, user_id or office.users[role])  # type: ignore[index]
        return Browser(client)

    return make


@pytest.fixture
def admin(browser: Callable[..., Browser]) -> Browser:
    return browser(Role.ADMINISTRATOR)


@pytest.fixture
def manager(browser: Callable[..., Browser]) -> Browser:
    return browser(Role.MANAGER)


def actions(factory: sessionmaker[Session], action: str) -> list[audit.AuditEvent]:
    with factory() as session:
        return list(session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action)))
