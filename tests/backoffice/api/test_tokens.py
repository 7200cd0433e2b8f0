"""API tokens: scoped, expiring, revocable, listed without their secret, and every read of a case audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from backoffice.api.openapi import document
from backoffice.api.read_audit import LISTED, VIEWED
from backoffice.staff.api_clients import (
    DEFAULT_LIFETIME_DAYS,
    MAX_LIFETIME_DAYS,
    SCOPES,
    ApiClient,
    create_api_client,
    revoke_api_client,
)
from shared import audit, migrations
from shared.db import utcnow
from shared.errors import InvalidInput, NotFound
from shared.settings import Settings
from tests.backoffice.api.conftest import SYSTEM, Api, body
from tests.backoffice.api.schema_check import assert_valid
from tests.shared.test_cli import civic

#: (method, path, body, scope it needs) for every API operation behind a token.
OPERATIONS: list[tuple[str, str, Any, str]] = [
    ("GET", "/api/v1/cases", None, "cases:read"),
    ("GET", "/api/v1/cases/{reference}", None, "cases:read"),
    ("POST", "/api/v1/cases", body(), "cases:write"),
    ("POST", "/api/v1/cases/{reference}/extend", {"reason": "Public interest test"}, "cases:write"),
    ("POST", "/api/v1/cases/{reference}/pause", {"reason": "fee"}, "cases:write"),
    ("POST", "/api/v1/cases/{reference}/resume", {}, "cases:write"),
    ("POST", "/api/v1/cases/{reference}/clarification", {"requested_on": "2025-12-23"}, "cases:write"),
]


def test_the_registry_has_a_described_scope_per_capability() -> None:
    assert {"cases:read", "cases:write", "releases:write", "disclosures:write", "reports:read",
            "incidents:write"} <= set(SCOPES)
    assert all(len(description) > 20 for description in SCOPES.values())


def test_a_token_gets_only_known_scopes_and_a_bounded_lifetime(db) -> None:
    client, _ = create_api_client(db, SYSTEM, "Website", ["cases:write", "cases:write"])
    assert client.scopes == ["cases:write"]
    lifetime = client.expires_at - client.created_at
    assert lifetime == dt.timedelta(days=DEFAULT_LIFETIME_DAYS)
    longest, _ = create_api_client(db, SYSTEM, "Longest", ["cases:read"], expires_in_days=MAX_LIFETIME_DAYS)
    assert longest.expires_at - longest.created_at == dt.timedelta(days=MAX_LIFETIME_DAYS)
    for scopes, days in [([], 10), (["cases:delete"], 10), (["cases:read"], 0),
                         (["cases:read"], MAX_LIFETIME_DAYS + 1)]:
        with pytest.raises(InvalidInput):
            create_api_client(db, SYSTEM, "Refused", scopes, expires_in_days=days)
    [entry] = [e for e in audit.history(db, "api_client", client.id) if e.action == "api_client.created"]
    assert entry.detail["scopes"] == ["cases:write"] and entry.detail["expires_at"]


def _path(template: str, reference: str) -> str:
    return template.replace("{reference}", reference)


@pytest.mark.parametrize(("method", "path", "payload", "scope"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _, _ in OPERATIONS])
def test_each_operation_needs_its_scope(api: Api, method: str, path: str, payload: Any, scope: str) -> None:
    reference = api.seed_case()
    other = next(s for s in ("cases:read", "cases:write") if s != scope)
    _, token = api.new_client("Narrow", (other, "reports:read"))
    response = api.client.request(method, _path(path, reference), json=payload,
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
    problem = response.json()
    assert_valid(document(api.runtime.settings), "Problem", problem)
    assert problem["title"] == "Insufficient scope" and scope in problem["detail"]
    _, allowed = api.new_client("Exact", (scope,))
    response = api.client.request(method, _path(path, reference), json=payload,
                                  headers={"Authorization": f"Bearer {allowed}"})
    assert response.status_code in {200, 201, 409}, response.text  # past the policy: the case core decides


def test_the_document_publishes_each_operations_scope(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").json()
    for method, path, _, scope in OPERATIONS:
        operation = doc["paths"][path.removeprefix("/api/v1")][method.lower()]
        assert operation["security"] == [{"bearerToken": [scope]}]
        assert {"401", "403"} <= set(operation["responses"])
    scheme = doc["components"]["securitySchemes"]["bearerToken"]
    assert all(f"`{name}`" in scheme["description"] for name in SCOPES)


def test_an_expired_token_is_refused_like_a_revoked_one(api: Api, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    _, token = api.new_client("Short-lived", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 200
    time_machine.move_to(dt.datetime(2026, 1, 6, 12, 0, 1, tzinfo=dt.UTC))
    for method, path, payload, _ in OPERATIONS[:3]:
        response = api.client.request(method, _path(path, "FOI-2025-00001"), json=payload, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="api", error="invalid_token"'
        assert "expired on 6 January 2026" in response.json()["detail"]
    assert api.stored() == (0, 0, 0)


def test_revoking_sets_revoked_at_audits_and_refuses_the_next_request(api: Api) -> None:
    client_id, token = api.new_client("Old CRM")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 200
    with api.session() as session, session.begin():
        client, changed = revoke_api_client(session, SYSTEM, client_id)
        assert changed and client.revoked_at is not None
        _, again = revoke_api_client(session, SYSTEM, client_id)
        assert not again
        with pytest.raises(NotFound):
            revoke_api_client(session, SYSTEM, 999_999)
    with api.session() as session:
        assert [e.action for e in audit.history(session, "api_client", client_id)] == [
            "api_client.created", "api_client.revoked"]
    response = api.client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


def test_reading_one_case_is_audited_on_the_case(api: Api) -> None:
    reference = api.seed_case()
    assert api.get(f"/api/v1/cases/{reference}").status_code == 200
    with api.session() as session:
        [entry] = [e for e in audit.history(session, "case", reference) if e.action == VIEWED]
    assert (entry.actor_type, entry.actor_id, entry.actor_label) == ("api_client", str(api.client_id),
                                                                    "Contact centre CRM")
    assert entry.ip and entry.request_id
    api.get("/api/v1/cases/FOI-2025-99999")  # a 404 read nobody's data


def test_each_page_of_the_list_is_one_audit_entry_naming_its_cases(api: Api) -> None:
    references = [api.seed_case(), api.seed_case(), api.seed_case()]
    first = api.get("/api/v1/cases", params={"limit": 2, "case_type": "foi"}).json()
    api.get("/api/v1/cases", params={"limit": 2, "case_type": "foi", "cursor": first["next_cursor"]})
    api.get("/api/v1/cases", params={"case_type": "sar"})  # no cases: nothing read, nothing recorded
    with api.session() as session:
        entries = list(session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == LISTED)
                                       .order_by(audit.AuditEvent.id)))
    assert [e.detail["references"] for e in entries] == [references[:2], references[2:]]
    assert all((e.object_type, e.object_id, e.actor_type) == ("api_client", str(api.client_id), "api_client")
               for e in entries)
    assert entries[0].detail["filters"]["case_types"] == ["foi"]


# --- the command line -------------------------------------------------------------------------


def test_cli_creates_lists_and_revokes_tokens(settings: Settings) -> None:
    out = civic(settings, "api-tokens", "create", "--name", "Council website", "--scope", "cases:write",
                "--scope", "releases:write", "--expires-in-days", "30").stdout
    token = out.strip().splitlines()[-1]
    assert "cases:write releases:write" in out
    listed = civic(settings, "api-tokens", "list").stdout
    header, row = listed.strip().splitlines()
    assert header.split() == ["ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST", "USED", "REVOKED"]
    assert row.startswith("1 ") and "Council website" in row and "cases:write releases:write" in row
    assert token not in listed and token.removeprefix("civic_") not in listed
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(ApiClient.token_hash, ApiClient.created_at, ApiClient.expires_at)).one()
    assert stored.token_hash not in listed
    assert stored.expires_at - stored.created_at == dt.timedelta(days=30)
    assert row.rstrip().endswith("-")  # never used, not revoked
    revoked = civic(settings, "api-tokens", "revoke", "1")
    assert "revoked" in revoked.stdout
    with engine.connect() as conn:
        assert conn.execute(select(ApiClient.revoked_at)).scalar_one() is not None
        actions = list(conn.scalars(select(audit.AuditEvent.action).where(audit.AuditEvent.object_type == "api_client")))
    engine.dispose()
    assert actions == ["api_client.created", "api_client.revoked"]
    assert "already revoked" in civic(settings, "api-tokens", "revoke", "1").stdout
    assert civic(settings, "api-tokens", "revoke", "42", check=False).returncode == 2


@pytest.mark.parametrize("args", [
    ["--name", "No scope"],
    ["--name", "Unknown scope", "--scope", "cases:delete"],
    ["--name", "Too long", "--scope", "cases:read", "--expires-in-days", str(MAX_LIFETIME_DAYS + 1)],
    ["--name", "Not a number", "--scope", "cases:read", "--expires-in-days", "soon"],
], ids=["no scope", "unknown scope", "too long", "not a number"])
def test_cli_refuses_tokens_without_known_scopes_or_past_the_maximum_lifetime(settings: Settings,
                                                                              args: list[str]) -> None:
    result = civic(settings, "api-tokens", "create", *args, check=False)
    assert result.returncode == 2 and result.stderr
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(select(ApiClient.id)).first() is None
    engine.dispose()


def test_tokens_made_before_scopes_keep_the_case_scopes_and_get_an_expiry(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(url, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO api_clients (name, token_hash, created_at) VALUES ('Old', 'h', :now)"),
                     {"now": utcnow() - dt.timedelta(days=800)})
    migrations.upgrade(url)
    with engine.connect() as conn:
        scopes, expires_at = conn.execute(select(ApiClient.scopes, ApiClient.expires_at)).one()
    engine.dispose()
    assert scopes == ["cases:read", "cases:write"]
    assert utcnow() + dt.timedelta(days=DEFAULT_LIFETIME_DAYS - 1) < expires_at <= utcnow() + dt.timedelta(
        days=DEFAULT_LIFETIME_DAYS)
