"""Helpers shared by the staff-access tests: accounts, CSRF tokens and signing in through the real pages."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.staff.accounts import Role, StaffUser, create_user
from shared import audit

PASSWORD = "correct horse battery staple"
SYSTEM = audit.Actor(type="system", label="tests")


def add_user(factory: sessionmaker[Session], email: str, role: Role = Role.CASEWORKER, password: str = PASSWORD,
             *, active: bool = True) -> int:
    with factory() as session, session.begin():
        user = create_user(session, SYSTEM, email=email, name=email.split("@")[0].title(), role=role, password=password)
        user.active = active
        return user.id


def get_user(factory: sessionmaker[Session], email: str) -> StaffUser:
    with factory() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        return user


def csrf_token(client: TestClient, path: str = "/sign-in") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str | None = None):
    data = {"csrf_token": csrf_token(client), "email": email, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/sign-in", data=data, follow_redirects=False)


def actions(factory: sessionmaker[Session], action: str) -> list[audit.AuditEvent]:
    with factory() as session:
        return list(session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action)))
