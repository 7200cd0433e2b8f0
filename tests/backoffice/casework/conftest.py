"""A seeded, committed back office for page tests: built-in case types and teams, one user per role in
every team, an outsider in a team that handles nothing, and browsers signed in as any of them."""

from __future__ import annotations

import datetime as dt
import json
from base64 import b64encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.cases.case_types import seed_built_in_types
from backoffice.intake.new_cases import NewCase, Requester, create_case, today_in_london
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member, create_group
from backoffice.staff.sessions import start_session
from shared import audit
from shared.runtime import Runtime
from tests.conftest import spec

SYSTEM = audit.Actor(type="system", label="tests")
COOKIE = "civic_backoffice"
WHO = ("administrator", "manager", "caseworker", "read-only", "outsider")


@dataclass
class Office:
    factory: sessionmaker[Session]
    ids: dict[str, int]

    def new_case(self, case_type: str = "foi", **overrides: Any) -> str:
        """Create a case (committed) and return its reference."""
        values: dict[str, Any] = dict(case_type=case_type, subject="Bus timetables", channel="email",
                                      description="Send the 2025 timetables.",
                                      requester=Requester(name="Sam Jones", email="sam@example.com"))
        values.update(overrides)
        with self.factory() as session, session.begin():
            return create_case(session, SYSTEM, NewCase(**values)).reference

    def user(self, who: str) -> StaffUser:
        with self.factory() as session:
            user = session.get(StaffUser, self.ids[who])
            assert user is not None
            return user


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    ids: dict[str, int] = {}
    with session_factory() as session, session.begin():
        seed_built_in_types(session, SYSTEM)
        groups = list(session.scalars(select(Group)))
        for role in Role:
            user = create_user(session, SYSTEM, email=f"{role.value}@example.gov.uk", name=f"{role.value.title()} Person",
                               role=role, password=None)
            ids[role.value] = user.id
            for group in groups:
                add_member(session, SYSTEM, group.id, user.id)
        outsider = create_user(session, SYSTEM, email="outsider@example.gov.uk", name="Olive Outsider",
                               role=Role.CASEWORKER, password=None)
        add_member(session, SYSTEM, create_group(session, SYSTEM, "Parks").id, outsider.id)
        ids["outsider"] = outsider.id
    return Office(session_factory, ids)


#: Compiled templates, kept across tests: they depend only on the shell and the organisation's name and
#: brand, which every test shares, and compiling the GOV.UK macros again for each app is most of a test's time.
_TEMPLATES: dict[tuple[str, str], Any] = {}


@pytest.fixture
def backoffice_app(runtime: Runtime) -> Starlette:
    app = spec("backoffice").create_app(runtime)
    key = (runtime.settings.org_name, runtime.settings.brand)
    app.state.templates = _TEMPLATES.setdefault(key, app.state.templates)
    return app


@pytest.fixture
def browser(backoffice_app, session_factory, settings, office) -> Iterator[Callable[[str], TestClient]]:  # type: ignore[no-untyped-def]
    """``browser("caseworker")``: a client with a live staff session, made as signing in would make it."""
    clients: list[TestClient] = []

    def make(who: str) -> TestClient:
        client = TestClient(backoffice_app, raise_server_exceptions=False)
        clients.append(client)
        with session_factory() as session, session.begin():
            user = session.get(StaffUser, office.ids[who])
            _, token = start_session(session, user, ip="testclient", user_agent="testclient")
        data = b64encode(json.dumps({"staff_session": token}).encode())
        client.cookies.set(COOKIE, TimestampSigner(settings.secret_key).sign(data).decode())
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def stranger(backoffice_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(backoffice_app, raise_server_exceptions=False) as client:
        yield client


def days_ago(days: int) -> dt.date:
    return today_in_london() - dt.timedelta(days=days)
