"""A committed back office and signed-in browsers for the retention pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.staff.accounts import Role
from shared.db import transaction
from shared.settings import Settings
from tests.factories import Office, seed_office, signed_in
from tests.pages import Browser, share_templates


@pytest.fixture
def site(session_factory: sessionmaker[Session]) -> Iterator[Office]:
    with transaction(session_factory) as session:
        office = seed_office(session, session_factory, in_session=True)
    yield office


@pytest.fixture
def browser(app_client: Callable[..., TestClient], site: Office, settings: Settings) -> Callable[[Role], Browser]:
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        signed_in(client, site.factory, settings.secret_key, site.ids[str(role)])
        return Browser(client)
    return make
