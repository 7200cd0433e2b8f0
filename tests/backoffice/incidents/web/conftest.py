"""A committed back office with one account per role, signed-in browsers for it, and incidents raised
directly through the domain (as a probe or another page would leave them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.incidents import incidents as steps
from backoffice.staff.accounts import Role
from shared.db import transaction, utcnow
from shared.settings import Settings
from tests.factories import SYSTEM, Office, seed_office, signed_in
from tests.pages import Browser, share_templates


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    with transaction(session_factory) as session:
        return seed_office(session, session_factory)


@pytest.fixture
def browser(app_client: Callable[..., TestClient], office: Office, settings: Settings) -> Callable[[Role], Browser]:
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        signed_in(client, office.factory, settings.secret_key, office.ids[str(role)])
        return Browser(client)
    return make


@pytest.fixture
def manager(browser: Callable[[Role], Browser]) -> Browser:
    return browser(Role.MANAGER)


@pytest.fixture
def raise_one(office: Office) -> Callable[..., str]:
    """``raise_one(priority="P2", hours_ago=3, ...)``: a committed incident's reference."""
    def make(priority: str = "P2", service: str = "secure_share", title: str = "Downloads failing",
             hours_ago: float = 3, then: Callable[[Session, Any], None] | None = None) -> str:
        with transaction(office.factory) as session:
            incident = steps.raise_incident(session, SYSTEM, service=service, priority=priority, title=title,
                                            received_at=utcnow() - dt.timedelta(hours=hours_ago))
            if then is not None:
                then(session, incident)
            return incident.reference
    return make
