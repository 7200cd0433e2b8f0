"""A seeded back office inside the test's own rolled-back session: built-in case types, their teams,
one user per role in every team and an outsider (tests/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import SYSTEM, Office, seed_office

__all__ = ["SYSTEM", "Office"]


@pytest.fixture
def office(db: Session, session_factory: sessionmaker[Session]) -> Office:
    return seed_office(db, session_factory, in_session=True)
