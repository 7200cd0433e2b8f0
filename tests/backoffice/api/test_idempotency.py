"""The race the unique constraint exists for: another attempt with the same key commits between our check and insert."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from backoffice.api import idempotency
from backoffice.api.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from backoffice.api.models import ApiIdempotencyKey
from shared.db import utcnow
from tests.backoffice.api.conftest import Api, body


def _lose_the_race(api: Api, monkeypatch: pytest.MonkeyPatch, reference: str | None) -> None:
    """Commit the other attempt's row, and make our first look-up miss it as if it had not committed yet."""
    with api.session() as session, session.begin():
        session.add(ApiIdempotencyKey(client_id=api.client_id, key="race", request_hash=idempotency.request_hash(body()),
                                      reference=reference))
    real = idempotency._existing
    calls = []

    def first_misses(session, client_id, key):
        calls.append(key)
        return None if len(calls) == 1 else real(session, client_id, key)

    monkeypatch.setattr(idempotency, "_existing", first_misses)


def test_losing_the_race_returns_the_winners_case(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _lose_the_race(api, monkeypatch, "FOI-2025-00001")
    with api.session() as session:
        row, earlier = idempotency.claim(session, api.client_id, "race", body())
        assert (row, earlier) == (None, "FOI-2025-00001")
        session.rollback()
        assert session.scalar(select(func.count(ApiIdempotencyKey.id))) == 1


def test_losing_the_race_to_a_different_body_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _lose_the_race(api, monkeypatch, "FOI-2025-00001")
    with api.session() as session, pytest.raises(IdempotencyKeyReused):
        idempotency.claim(session, api.client_id, "race", body(subject="Other"))


def test_a_winner_still_in_flight_is_a_409(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _lose_the_race(api, monkeypatch, None)
    with api.session() as session, pytest.raises(IdempotencyKeyInFlight):
        idempotency.claim(session, api.client_id, "race", body())


def test_old_keys_are_forgotten(api: Api) -> None:
    with api.session() as session, session.begin():
        session.add(ApiIdempotencyKey(client_id=api.client_id, key="old", request_hash="x", reference="R",
                                      created_at=utcnow() - dt.timedelta(days=31)))
        session.add(ApiIdempotencyKey(client_id=api.client_id, key="new", request_hash="x", reference="R"))
    with api.session() as session, session.begin():
        assert idempotency.forget_old(session) == 1
    with api.session() as session:
        assert list(session.scalars(select(ApiIdempotencyKey.key))) == ["new"]
