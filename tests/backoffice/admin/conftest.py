"""A committed back office for the administration pages (tests/factories.py: built-in case types,
one account per role, the outsider), with signed-in browsers (TestClients) for each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.organisation.body import set_allowed_staff_domains
from backoffice.staff.accounts import Role
from shared import audit
from shared.db import transaction
from shared.settings import Settings
from tests.factories import SYSTEM, Office, seed_office, signed_in
from tests.pages import Browser, share_templates

__all__ = ["SYSTEM", "Browser", "Office"]

EMAILS = {role: f"{role.value}@example.gov.uk" for role in Role}
#: The administrator is in no team (they see everything); the manager only in Customer relations.
TEAMS = {Role.MANAGER.value: ["Customer relations"], Role.CASEWORKER.value: ["Information governance"]}


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    """Committed, with staff email restricted to example.gov.uk."""
    with transaction(session_factory) as session:
        office = seed_office(session, session_factory, teams=TEAMS)
        set_allowed_staff_domains(session, SYSTEM, ["example.gov.uk"])
    return office


@pytest.fixture
def browser(app_client: Callable[..., TestClient], office: Office, settings: Settings) -> Callable[..., Browser]:
    """``browser(Role.ADMINISTRATOR)``: a new browser signed in with that role (None: not signed in);
    ``browser(user_id=...)`` signs in a given account."""

    def make(role: Role | None = None, *, user_id: int | None = None) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        if role is not None or user_id is not None:
            signed_in(client, office.factory, settings.secret_key, user_id or office.ids[str(role)])
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
