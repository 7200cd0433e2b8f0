"""The back-office app with seeded case types and an API client, driven over HTTP like a real integration.

Set-up and inspection use their own committed sessions (``runtime.factory``), as
the app does per request; nothing here shares a transaction with the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from backoffice.api.models import ApiIdempotencyKey
from backoffice.cases.models import Case
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.api_clients import create_api_client
from shared import audit
from shared.runtime import Runtime
from tests.factories import SYSTEM, seed_body

CASE_SCOPES = ("cases:read", "cases:write")


def body(**overrides: Any) -> dict[str, Any]:
    """A valid create-case body; ``overrides`` replace top-level members."""
    values: dict[str, Any] = {
        "case_type": "foi",
        "received_on": "2025-12-22",
        "subject": "Bus timetables",
        "description": "Please send the 2025 bus timetables.",
        "requester": {"name": "Sam Jones", "email": "sam@example.com"},
    }
    values.update(overrides)
    return values


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    token: str
    client_id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.post("/api/v1/cases", json=json, headers={**self.auth, **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, headers=self.auth, **kwargs)

    def session(self) -> Session:
        return self.runtime.factory()

    def new_client(self, name: str, scopes: tuple[str, ...] = CASE_SCOPES, **kwargs: Any) -> tuple[int, str]:
        with self.session() as session, session.begin():
            client, token = create_api_client(session, SYSTEM, name, scopes, **kwargs)
            return client.id, token

    def stored(self) -> tuple[int, int, int]:
        """(cases, case.created audit entries, idempotency keys): all zero after a refused first request."""
        with self.session() as session:
            return (
                int(session.scalar(select(func.count(Case.id))) or 0),
                int(session.scalar(select(func.count(audit.AuditEvent.id))
                                   .where(audit.AuditEvent.action == "case.created")) or 0),
                int(session.scalar(select(func.count(ApiIdempotencyKey.id))) or 0),
            )

    def seed_case(self, case_type: str = "foi", received_on: dt.date = dt.date(2025, 12, 22), **values: Any) -> str:
        """A case made directly through the case core (not the API), for listing tests."""
        with self.session() as session, session.begin():
            new = NewCase(case_type=case_type, subject=values.pop("subject", "Seeded"), description="Seeded case.",
                          requester=Requester(name=values.pop("name", "Alex Smith"),
                                              email=values.pop("email", "alex@example.com")),
                          received_on=received_on, channel="email")
            case = create_case(session, SYSTEM, new)
            for name, value in values.items():
                setattr(case, name, value)
            return case.reference


@pytest.fixture
def api(app_client, runtime: Runtime) -> Iterator[Api]:
    with runtime.factory() as session, session.begin():
        seed_body(session)
        client, token = create_api_client(session, SYSTEM, "Contact centre CRM", CASE_SCOPES)
        client_id = client.id
    yield Api(app_client("backoffice"), runtime, token, client_id)
