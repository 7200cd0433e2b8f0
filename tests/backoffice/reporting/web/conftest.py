"""A committed back office with three requests in January to March 2026, and signed-in browsers for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.deadlines.actions import extend
from backoffice.staff.accounts import Role
from shared.audit import SYSTEM
from shared.db import transaction
from shared.settings import Settings
from tests.backoffice.reporting.conftest import make_case
from tests.factories import Office, seed_office, signed_in
from tests.pages import Browser, share_templates


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Iterator[Office]:
    """Committed: three requests in January to March 2026, one late, one extended."""
    with transaction(session_factory) as session:
        office = seed_office(session, session_factory, in_session=True)
        make_case(office, "2026-01-05")
        late = make_case(office, "2026-01-07", responded_after=72, outcome="refused_in_full", exemptions=("s40",))
        extended = make_case(office, "2026-02-06", responded_after=35, outcome="granted_in_part")
        extend(session, SYSTEM, extended, "Public interest test", on=dt.date(2026, 2, 20))
        office.late_reference = late.reference  # type: ignore[attr-defined]
    yield office


@pytest.fixture
def browser(app_client: Callable[..., TestClient], office: Office, settings: Settings) -> Callable[[Role], Browser]:
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        signed_in(client, office.factory, settings.secret_key, office.ids[str(role)])
        return Browser(client)
    return make
