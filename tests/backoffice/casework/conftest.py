"""A seeded, committed back office for page tests (tests/factories.py: built-in case types and teams,
one user per role in every team, an outsider in a team that handles nothing), and browsers signed in
as any of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.intake.new_cases import today_in_london
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import Settings
from tests.conftest import starlette_app
from tests.factories import SYSTEM, WHO, Office, seed_office, signed_in
from tests.pages import share_templates

__all__ = ["SYSTEM", "WHO", "Office"]


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    with transaction(session_factory) as session:
        return seed_office(session, session_factory)


@pytest.fixture
def backoffice_app(runtime: Runtime) -> Starlette:
    app = starlette_app("backoffice", runtime)
    share_templates(app)
    return app


@pytest.fixture
def browser(backoffice_app: Starlette, settings: Settings, office: Office) -> Iterator[Callable[[str], TestClient]]:
    """``browser("caseworker")``: a client with a live staff session, made as signing in would make it."""
    clients: list[TestClient] = []

    def make(who: str) -> TestClient:
        client = TestClient(backoffice_app, raise_server_exceptions=False)
        clients.append(client)
        return signed_in(client, office.factory, settings.secret_key, office.ids[who])

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def stranger(backoffice_app: Starlette) -> Iterator[TestClient]:
    with TestClient(backoffice_app, raise_server_exceptions=False) as client:
        yield client


def days_ago(days: int) -> dt.date:
    return today_in_london() - dt.timedelta(days=days)
