"""Signed-in browsers on a committed back office (tests/factories.py, no one in a team), for the
notification and contacts pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.staff.accounts import Role
from shared.db import transaction
from shared.settings import Settings
from tests.factories import Office, seed_office, signed_in
from tests.pages import Browser, share_templates

#: The notification tests' name for the seeded office.
Site = Office
__all__ = ["Browser", "Site"]


@pytest.fixture
def site(session_factory: sessionmaker[Session]) -> Office:
    with transaction(session_factory) as session:
        return seed_office(session, session_factory, teams={})


@pytest.fixture
def browser(app_client: Callable[..., TestClient], site: Office, settings: Settings) -> Callable[[Role], Browser]:
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        return Browser(signed_in(client, site.factory, settings.secret_key, site.ids[role]))

    return make
