"""POST /api/v1/cases: created through the case core, idempotent on retry, and nothing stored when refused."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.api.openapi import document
from backoffice.cases.models import Case
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.api_clients import ApiClient
from shared import audit
from shared.db import utcnow
from tests.backoffice.api.conftest import Api, body
from tests.backoffice.api.schema_check import assert_valid
from tests.backoffice.conftest import run_notification_jobs


def test_created_with_statutory_due_date_location_and_audit(api: Api) -> None:
    response = api.post(body(requester={"name": "Sam Jones", "email": "Sam@Example.com", "phone": "01632 960 001"}))
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    case = response.json()
    assert_valid(document(api.runtime.settings), "Case", case)
    assert case["received_on"] == "2025-12-22" and case["due_on"] == "2026-01-23"  # 20 working days, Christmas skipped
    assert case["case_type"] == "foi" and case["status"] == "new" and case["channel"] == "api"
    assert case["priority"] == "normal" and case["reference"].startswith("FOI-2025-")
    assert case["requester"] == {"name": "Sam Jones", "email": "sam@example.com", "phone": "01632 960 001",
                                 "address": None}
    reference = case["reference"]
    assert response.headers["location"] == f"http://testserver/backoffice/api/v1/cases/{reference}"
    assert case["links"] == {"self": response.headers["location"],
                             "staff_page": f"http://testserver/backoffice/cases/{reference}"}
    with api.session() as session:
        [entry] = [e for e in audit.history(session, "case", reference) if e.action == "case.created"]
        assert (entry.actor_type, entry.actor_id, entry.actor_label) == ("api_client", str(api.client_id),
                                                                        "Contact centre CRM")
        assert entry.ip and entry.request_id
        client = session.get(ApiClient, api.client_id)
        assert client is not None and client.last_used_at is not None


def test_received_on_defaults_to_today_in_london(api: Api, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))  # already 1 July in London (BST)
    response = api.post(body(received_on=None, case_type="enquiry", channel="phone", priority="urgent"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["received_on"] == "2026-07-01" == today_in_london().isoformat()
    assert created["channel"] == "phone" and created["priority"] == "urgent"
    omitted = {k: v for k, v in body().items() if k != "received_on"}
    assert api.post(omitted).json()["received_on"] == "2026-07-01"


def test_postal_requester_needs_no_email(api: Api) -> None:
    response = api.post(body(requester={"name": "Pat Lee", "address": "1 High Street, Testtown"}))
    assert response.status_code == 201, response.text
    assert response.json()["requester"]["email"] is None


def test_retry_with_the_same_idempotency_key_returns_the_same_case(api: Api) -> None:
    first = api.post(body(), headers={"Idempotency-Key": "crm-4711"})
    again = api.post(body(), headers={"Idempotency-Key": "crm-4711"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert api.stored() == (1, 1, 1)
    other = api.post(body(), headers={"Idempotency-Key": "crm-4712"})
    assert other.status_code == 201 and other.json()["reference"] != first.json()["reference"]


def test_idempotency_key_reused_for_another_body_is_refused(api: Api) -> None:
    assert api.post(body(), headers={"Idempotency-Key": "k1"}).status_code == 201
    refused = api.post(body(subject="Something else"), headers={"Idempotency-Key": "k1"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert api.stored()[0] == 1


def test_idempotency_keys_belong_to_one_client(api: Api) -> None:
    _, other_token = api.new_client("Web chat")
    mine = api.post(body(), headers={"Idempotency-Key": "same"})
    theirs = api.client.post("/api/v1/cases", json=body(),
                             headers={"Authorization": f"Bearer {other_token}", "Idempotency-Key": "same"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["reference"] != theirs.json()["reference"]


def test_a_refused_request_does_not_use_up_its_idempotency_key(api: Api) -> None:
    assert api.post(body(case_type="nope"), headers={"Idempotency-Key": "k2"}).status_code == 422
    assert api.stored() == (0, 0, 0)
    assert api.post(body(), headers={"Idempotency-Key": "k2"}).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
def test_unusable_idempotency_key_is_a_400(api: Api, key: str) -> None:
    response = api.post(body(), headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert api.stored() == (0, 0, 0)


def _requester(**values: Any) -> dict[str, Any]:
    return {"name": "Sam Jones", "email": "sam@example.com", **values}


REFUSED: list[tuple[str, Any, set[str]]] = [
    ("array body", [body()], {"body"}),
    ("string body", "a case", {"body"}),
    ("null body", None, {"body"}),
    ("unknown field", body(urgent=True), {"urgent"}),
    ("unknown requester field", body(requester=_requester(nickname="Sammy")), {"requester.nickname"}),
    ("missing fields", {"case_type": "foi"}, {"subject", "description", "requester"}),
    ("missing requester name", body(requester={"email": "sam@example.com"}), {"requester.name"}),
    ("number subject", body(subject=42), {"subject"}),
    ("requester not object", body(requester="Sam Jones"), {"requester"}),
    ("boolean email", body(requester=_requester(email=True)), {"requester.email"}),
    ("date as dd/mm/yyyy", body(received_on="22/12/2025"), {"received_on"}),
    ("impossible date", body(received_on="2025-02-30"), {"received_on"}),
    ("date as number", body(received_on=20251222), {"received_on"}),
    ("date in other digits", body(received_on="٢٠٢٥-١٢-٢٢"), {"received_on"}),
    ("date with a newline", body(received_on="2025-12-22\n"), {"received_on"}),
    ("date before the calendar", body(received_on="1999-12-31"), {"received_on"}),
    ("date long before the calendar", body(received_on="0001-01-01"), {"received_on"}),
    ("several at once", body(subject=None, priority=3, requester=_requester(phone=[])),
     {"subject", "priority", "requester.phone"}),
    # refused by the case core, reported the same way
    ("unknown case type", body(case_type="parking"), {"case_type"}),
    ("bad email", body(requester=_requester(email="not-an-email")), {"requester.email"}),
    ("no way to reply", body(requester={"name": "Sam Jones"}), {"requester.email"}),
    ("future date", body(received_on=(today_in_london() + dt.timedelta(days=2)).isoformat()), {"received_on"}),
    ("unknown channel", body(channel="fax"), {"channel"}),
    ("unknown priority", body(priority="low"), {"priority"}),
    ("empty channel", body(channel=""), {"channel"}),
    ("blank subject", body(subject="  "), {"subject"}),
    ("overlong subject", body(subject="x" * 301), {"subject"}),
]


@pytest.mark.parametrize(("payload", "fields"), [(p, f) for _, p, f in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_body_is_a_422_problem_with_field_errors_and_nothing_stored(api: Api, payload: Any,
                                                                            fields: set[str]) -> None:
    response = api.client.post("/api/v1/cases", content=json.dumps(payload).encode(),
                               headers={**api.auth, "Content-Type": "application/json", "Idempotency-Key": "refused"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert_valid(document(api.runtime.settings), "Problem", problem)
    assert problem["status"] == 422 and problem["instance"] == "/api/v1/cases"
    assert {e["field"] for e in problem["errors"]} == fields
    for error in problem["errors"]:
        expected = "#" if error["field"] == "body" else "#/" + error["field"].replace(".", "/")
        assert error["pointer"] == expected and error["detail"]
    assert api.stored() == (0, 0, 0)


@pytest.mark.parametrize("email", ["a..b@example.com", "person@example.c0m", "x(y)@example.com", "person@example"])
def test_an_email_the_mailer_would_refuse_is_a_problem_at_requester_email(api: Api, email: str) -> None:
    response = api.client.post("/api/v1/cases", content=json.dumps(body(requester=_requester(email=email))).encode(),
                               headers={**api.auth, "Content-Type": "application/json", "Idempotency-Key": "bad-email"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{
        "field": "requester.email", "pointer": "#/requester/email",
        "detail": "Enter an email address in the correct format, like name@example.com",
    }]
    assert api.stored() == (0, 0, 0)


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    response = api.client.post("/api/v1/cases", content=b'{"case_type": "foi",',
                               headers={**api.auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The request body is not valid JSON."
    assert api.stored() == (0, 0, 0)


@pytest.mark.parametrize("kwargs", [
    {"data": {"case_type": "foi"}},
    {"content": b'{"case_type": "foi"}', "headers": {"Content-Type": "text/plain"}},
    {"content": b'{"case_type": "foi"}'},
], ids=["form", "text/plain", "no content type"])
def test_body_that_is_not_json_is_a_415_problem(api: Api, kwargs: dict[str, Any]) -> None:
    headers = {**api.auth, **kwargs.pop("headers", {})}
    response = api.client.post("/api/v1/cases", headers=headers, **kwargs)
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["accept-post"] == "application/json"
    assert api.stored() == (0, 0, 0)


def _revoke(api: Api) -> None:
    with api.session() as session, session.begin():
        client = session.get(ApiClient, api.client_id)
        assert client is not None
        client.revoked_at = utcnow()


@pytest.mark.parametrize(("authorization", "invalid_token"), [
    (None, False),
    ("Basic c2FtOnNlY3JldA==", False),
    ("Bearer", False),
    ("Bearer civic_not-a-real-token", True),
    ("revoked", True),
])
@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/cases"), ("GET", "/api/v1/cases"),
                                              ("GET", "/api/v1/cases/FOI-2025-00001")])
def test_missing_wrong_or_revoked_token_is_a_401_problem(api: Api, authorization: str | None, invalid_token: bool,
                                                         method: str, path: str) -> None:
    if authorization == "revoked":
        _revoke(api)
        authorization = f"Bearer {api.token}"
    headers = {"Authorization": authorization} if authorization else {}
    response = api.client.request(method, path, json=body() if method == "POST" else None, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="api"')
    assert ('error="invalid_token"' in challenge) is invalid_token
    assert response.json()["status"] == 401 and response.json()["title"] == "Authentication required"
    assert api.stored() == (0, 0, 0)


def test_token_scheme_is_case_insensitive(api: Api) -> None:
    response = api.client.post("/api/v1/cases", json=body(), headers={"Authorization": f"bearer {api.token}"})
    assert response.status_code == 201
    with api.session() as session:
        assert session.scalar(select(Case.channel)) == "api"


def test_the_requester_is_acknowledged_with_reference_and_due_date(api: Api) -> None:
    from shared.mail.models import OutboxMessage

    reference = api.post(body(requester={"name": "Sam Jones", "email": "sam@example.com"})).json()["reference"]
    with api.session() as session, session.begin():
        run_notification_jobs(session, api.runtime.settings)
        [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "sam@example.com")).all()
    assert mail.subject == f"We have received your request: {reference}"
    assert "23 January 2026" in mail.body_text and mail.related_id == reference


def test_a_date_received_outside_the_calendar_is_explained(api: Api, time_machine) -> None:
    """The deadline calendars cover 2000 to 2045: a date outside them is the client's to fix, not a 500."""
    early = api.post(body(received_on="1999-12-31"))
    assert early.status_code == 422 and early.headers["content-type"] == "application/problem+json"
    assert early.json()["errors"] == [{"field": "received_on", "pointer": "#/received_on",
                                       "detail": "Date received must be on or after 1 January 2000"}]
    assert api.post(body(received_on="2000-01-01")).status_code == 201
    time_machine.move_to(dt.datetime(2046, 3, 1, 12, tzinfo=dt.UTC))
    _, api.token = api.new_client("Contact centre CRM in 2046")  # the first token expired in 2026
    late = api.post(body(received_on="2046-01-02"))
    assert late.status_code == 422
    assert late.json()["errors"] == [{"field": "received_on", "pointer": "#/received_on",
                                      "detail": "Date received must be on or before 31 December 2045"}]
    for received_on in ("2045-12-31", None):  # in the calendar, but its due date would not be
        refused = api.post(body(received_on=received_on))
        assert refused.status_code == 422, refused.text
        assert [e["pointer"] for e in refused.json()["errors"]] == ["#/received_on"]
    assert api.stored()[0] == 1
