"""Incidents through the API, over HTTP against the real app and database: raising one with its due times
worked out and explained, the steps that move them, and every refusal as a documented problem.

Today is fixed at Wednesday 9 December 2026, 12:00 UTC; the body has the default service model (plus:
08:00-18:30 Monday to Friday). Winter London time is UTC, so most worked times read the same in both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from backoffice.api import schemas
from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Incident
from shared import audit
from tests.backoffice.api.conftest import Api
from tests.backoffice.api.conftest import body as case_body
from tests.backoffice.api.schema_check import assert_valid
from tests.factories import SYSTEM

PREFIX = "/api/v1"
NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC)
MONDAY_10 = "2026-12-07T10:00:00Z"
STEPS = ("respond", "pause", "resume", "resolve", "reprioritise")


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def auth(api: Api) -> dict[str, str]:
    _, token = api.new_client("Monitoring", ("incidents:read", "incidents:write"))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def doc(api: Api) -> dict[str, Any]:
    return api.client.get(f"{PREFIX}/openapi.json").json()


def _documented(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The status is one the document lists for the operation, and the body fits the schema it names."""
    responses = doc["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (path, method, response.status_code, response.text)
    media_type = response.headers["content-type"]
    schema = responses[str(response.status_code)]["content"][media_type]["schema"]["$ref"].rsplit("/", 1)[1]
    assert_valid(doc, schema, response.json())


def _raise(api: Api, auth: dict[str, str], doc: dict[str, Any], **values: Any) -> Any:
    payload = {"service": "secure_share", "priority": "P2", "title": "Downloads slow", **values}
    response = api.client.post(f"{PREFIX}/incidents", json=payload, headers=auth)
    _documented(doc, "/incidents", "post", response)
    return response


def _step(api: Api, auth: dict[str, str], doc: dict[str, Any], reference: str, step: str, **values: Any) -> Any:
    response = api.client.post(f"{PREFIX}/incidents/{reference}/{step}", json=values, headers=auth)
    _documented(doc, f"/incidents/{{reference}}/{step}", "post", response)
    return response


def _fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {error["field"]: error["detail"] for error in response.json().get("errors", [])}


def _count(api: Api) -> int:
    with api.session() as session:
        return int(session.scalar(select(func.count(Incident.id))) or 0)


def test_a_p2_raised_on_a_monday_at_ten_is_due_a_response_at_noon_and_resolved_by_six(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    response = _raise(api, auth, doc, received_at=MONDAY_10, affected="Every download from a share")
    assert response.status_code == 201, response.text
    got = response.json()
    assert got["reference"].startswith("INC-") and got["status"] == "investigating"
    assert response.headers["location"] == got["links"]["self"] == f"http://testserver/backoffice/api/v1/incidents/{got['reference']}"
    assert (got["service_model"], got["received_at"], got["clock_started_at"], got["security"]) == (
        "plus", "2026-12-07T10:00:00+00:00", "2026-12-07T10:00:00+00:00", None)
    assert got["response_due_at"] == got["response"]["due_at"] == "2026-12-07T12:00:00+00:00"  # 2 service hours
    assert got["resolve_due_at"] == got["resolve"]["due_at"] == "2026-12-07T18:00:00+00:00"  # 8: 10:00-18:00
    assert got["response"]["target"] == {"amount": 2, "unit": "hours"}
    assert got["resolve"]["target"] == {"amount": 8, "unit": "hours"}
    assert "in service hours" in got["explanation"] and "due by 6:00pm on Mon 7 Dec 2026" in got["explanation"]
    assert got["explanation"] == f"{got['response']['explanation']} {got['resolve']['explanation']}"
    assert [(e["kind"], e["status"], e["actor"]) for e in got["timeline"]] == [
        ("raised", "investigating", "Monitoring")]
    shown = api.client.get(response.headers["location"].removeprefix("http://testserver/backoffice"), headers=auth)
    _documented(doc, "/incidents/{reference}", "get", shown)
    assert shown.status_code == 200 and shown.json() == got
    lower = api.client.get(f"{PREFIX}/incidents/{got['reference'].lower()}", headers=auth)
    assert lower.status_code == 200 and lower.json()["reference"] == got["reference"]
    with api.session() as session:
        [entry] = [e for e in audit.history(session, "incident", got["reference"]) if e.action == "incident.raised"]
    assert entry.actor_type == "api_client"


def test_a_summer_time_is_read_with_its_offset_and_answered_in_utc(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    got = _raise(api, auth, doc, received_at="2026-06-01T10:00:00+01:00").json()  # Monday 10:00 in London
    assert got["received_at"] == "2026-06-01T09:00:00+00:00"
    assert got["response_due_at"] == "2026-06-01T11:00:00+00:00"  # noon in London
    assert got["resolve_due_at"] == "2026-06-01T17:00:00+00:00"  # 6pm in London
    assert "due by 12:00pm on Mon 1 Jun 2026" in got["explanation"]


def test_received_out_of_hours_the_clocks_start_at_the_next_service_period(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    got = _raise(api, auth, doc, priority="P1", received_at="2026-12-05T23:00:00Z").json()  # Saturday night
    assert got["clock_started_at"] == "2026-12-07T08:00:00+00:00"
    assert got["response_due_at"] == "2026-12-07T09:00:00+00:00"  # Monday 08:00 + 1 h
    assert got["resolve_due_at"] == "2026-12-07T12:00:00+00:00"  # + 4 h
    assert "out of service hours" in got["explanation"] and "8:00am on Mon 7 Dec 2026" in got["explanation"]
    evening = _raise(api, auth, doc, received_at="2026-12-07T18:45:00Z").json()  # Monday after 18:30
    assert (evening["clock_started_at"], evening["response_due_at"]) == (
        "2026-12-08T08:00:00+00:00", "2026-12-08T10:00:00+00:00")


def test_without_a_time_an_incident_is_received_now(api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    got = _raise(api, auth, doc, priority="P5", affected=None, received_at=None).json()
    assert got["received_at"] == "2026-12-09T12:00:00+00:00" and got["affected"] == ""
    assert got["security"] is None
    breach = _raise(api, auth, doc, priority="P3", security="personal_data_breach").json()
    assert breach["security"] == "personal_data_breach"
    assert got["response_due_at"] is None and got["response"]["target"] is None  # P5 has no target
    assert "No response target" in got["explanation"]


def test_respond_pause_resume_and_resolve_move_the_clocks_and_fill_the_timeline(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    reference = _raise(api, auth, doc, received_at=MONDAY_10).json()["reference"]
    responded = _step(api, auth, doc, reference, "respond", at="2026-12-07T10:30:00Z")
    assert responded.status_code == 200, responded.text
    assert responded.json()["responded_at"] == responded.json()["response"]["stopped_at"] == "2026-12-07T10:30:00+00:00"
    assert _step(api, auth, doc, reference, "respond").status_code == 409  # responded already

    paused = _step(api, auth, doc, reference, "pause", reason="Waiting for the browser version",
                   at="2026-12-07T11:00:00+01:00")  # 10:00 UTC: a time is read with its offset
    assert paused.status_code == 422 and "at" in _fields(paused)  # before the last step (10:30)
    paused = _step(api, auth, doc, reference, "pause", reason="Waiting for the browser version",
                   at="2026-12-07T11:00:00Z")
    assert paused.status_code == 200, paused.text
    assert (paused.json()["status"], paused.json()["resolve_due_at"]) == ("awaiting_customer", None)
    assert "awaiting the customer it has no due time" in paused.json()["resolve"]["explanation"]
    again = _step(api, auth, doc, reference, "pause")
    assert again.status_code == 409 and "already awaiting the customer" in again.json()["detail"]

    resumed = _step(api, auth, doc, reference, "resume", at="2026-12-08T10:00:00Z")
    assert resumed.status_code == 200, resumed.text
    # 1 service hour used before the pause, 7 left from Tuesday 10:00.
    assert (resumed.json()["status"], resumed.json()["resolve_due_at"]) == ("investigating", "2026-12-08T17:00:00+00:00")
    assert resumed.json()["paused_seconds"] == int(9.5 * 3600)  # Mon 11:00-18:30 and Tue 08:00-10:00
    assert "9 hours 30 minutes of service time awaiting the customer" in resumed.json()["resolve"]["explanation"]
    assert _step(api, auth, doc, reference, "resume").status_code == 409  # not awaiting the customer

    resolved = _step(api, auth, doc, reference, "resolve", text="Restarted the share service", workaround=True,
                     at="2026-12-08T15:00:00Z")
    assert resolved.status_code == 200, resolved.text
    got = resolved.json()
    assert (got["status"], got["resolved_at"], got["resolve"]["stopped_at"]) == (
        "resolved", "2026-12-08T15:00:00+00:00", "2026-12-08T15:00:00+00:00")
    again = _step(api, auth, doc, reference, "resolve")
    assert again.status_code == 409 and "is resolved" in again.json()["detail"]
    assert _step(api, auth, doc, reference, "pause").status_code == 409

    shown = api.client.get(f"{PREFIX}/incidents/{reference}", headers=auth).json()
    timeline = [(e["kind"], e["public"]) for e in shown["timeline"]]
    assert timeline[:4] == [("raised", False), ("responded", False), ("paused", False), ("deadline_moved", False)]
    assert ("resumed", False) in timeline and ("resolved", True) in timeline
    resolve_event = next(e for e in shown["timeline"] if e["kind"] == "resolved")
    assert resolve_event["detail"] == {"workaround": True} and resolve_event["text"] == "Restarted the share service"
    moves = [e["detail"] for e in shown["timeline"] if e["kind"] == "deadline_moved"]
    assert {"target": "resolve", "from": "2026-12-07T18:00:00+00:00", "to": None,
            "cause": "awaiting the customer"} in moves
    assert all(e["at"].endswith("+00:00") for e in shown["timeline"])


def test_reprioritising_runs_the_new_targets_from_the_original_start(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    got = _raise(api, auth, doc, priority="P3", received_at=MONDAY_10).json()
    assert got["resolve"]["target"] == {"amount": 3, "unit": "working_days"}
    reference = got["reference"]
    missing = _step(api, auth, doc, reference, "reprioritise", priority="P1")
    assert missing.status_code == 422 and _fields(missing) == {"reason": "This field is required"}
    same = _step(api, auth, doc, reference, "reprioritise", priority="P3", reason="Checked")
    assert same.status_code == 422 and _fields(same) == {"priority": "The incident is already P3"}
    raised = _step(api, auth, doc, reference, "reprioritise", priority="P1", reason="No form can be submitted",
                   at="2026-12-07T11:00:00Z")
    assert raised.status_code == 200, raised.text
    got = raised.json()
    assert (got["priority"], got["response_due_at"], got["resolve_due_at"]) == (
        "P1", "2026-12-07T11:00:00+00:00", "2026-12-07T14:00:00+00:00")  # 1 h and 4 h from Monday 10:00
    [move] = [e for e in got["timeline"] if e["kind"] == "deadline_moved" and e["detail"]["target"] == "resolve"]
    assert move["detail"]["cause"] == "reprioritised from P3 to P1"
    assert next(e for e in got["timeline"] if e["kind"] == "reprioritised")["detail"] == {"from": "P3", "to": "P1"}


def test_a_closed_incident_cannot_be_resolved_or_reprioritised(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    reference = _raise(api, auth, doc, received_at=MONDAY_10).json()["reference"]
    assert _step(api, auth, doc, reference, "resolve", at="2026-12-07T16:00:00Z").status_code == 200
    with api.session() as session, session.begin():
        steps.close(session, SYSTEM, steps.get_incident(session, reference))
    for step, body in (("resolve", {}), ("reprioritise", {"priority": "P1", "reason": "Worse"}), ("respond", {}),
                       ("pause", {}), ("resume", {})):
        response = _step(api, auth, doc, reference, step, **body)
        assert response.status_code == 409, (step, response.text)
        assert "is closed" in response.json()["detail"]


@pytest.mark.parametrize(("values", "field", "detail"), [
    ({"received_at": "2026-12-07T10:00:00"}, "received_at", "Give the time's offset"),
    ({"received_at": "2026-12-10T12:00:00Z"}, "received_at", "The time must be now or in the past"),
    ({"received_at": "1999-12-31T23:59:59Z"}, "received_at", "The time must be in 2000 or later"),
    ({"received_at": "yesterday"}, "received_at", "Enter the time as an ISO 8601"),
    ({"received_at": "2026-12-07T10:00Z"}, "received_at", "Enter the time as an ISO 8601"),  # no seconds: not RFC 3339
    ({"received_at": "2026-02-30T10:00:00Z"}, "received_at", "Enter the time as an ISO 8601"),
    ({"received_at": 1765101600}, "received_at", "Must be a string or null"),
    ({"service": "email"}, "service", "Service must be one of: capture, secure_share"),
    ({"priority": "P9"}, "priority", "Select a priority from P1 to P5"),
    ({"priority": "p2"}, "priority", "Select a priority from P1 to P5"),
    ({"title": " \t"}, "title", "Enter a title"),
    ({"title": "t" * 201}, "title", "Title must be 200 characters or fewer"),
    ({"severity": "high"}, "severity",
     "Unknown field; allowed here: service, priority, title, affected, received_at, security"),
    ({"security": "breach"}, "security", "Security must be security_incident or personal_data_breach"),
])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(
        api: Api, auth: dict[str, str], doc: dict[str, Any], values: dict[str, Any], field: str, detail: str) -> None:
    response = _raise(api, auth, doc, **values)
    assert response.status_code == 422, response.text
    errors = _fields(response)
    assert list(errors) == [field] and errors[field].startswith(detail), errors
    assert response.json()["errors"][0]["pointer"] == f"#/{field}"
    assert _count(api) == 0


def test_a_missing_field_a_body_that_is_not_an_object_or_not_json_is_refused(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    missing = api.client.post(f"{PREFIX}/incidents", json={"service": "capture"}, headers=auth)
    _documented(doc, "/incidents", "post", missing)
    assert _fields(missing) == {"priority": "This field is required", "title": "This field is required"}
    listed = api.client.post(f"{PREFIX}/incidents", json=["capture"], headers=auth)
    assert listed.status_code == 422 and list(_fields(listed)) == ["body"]
    form = api.client.post(f"{PREFIX}/incidents", data={"service": "capture"}, headers=auth)
    _documented(doc, "/incidents", "post", form)
    assert form.status_code == 415
    broken = api.client.post(f"{PREFIX}/incidents", content=b"{", headers={**auth, "Content-Type": "application/json"})
    _documented(doc, "/incidents", "post", broken)
    assert broken.status_code == 400
    assert _count(api) == 0


def test_times_in_any_letter_case_are_accepted_as_rfc_3339_says(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    got = _raise(api, auth, doc, received_at="2026-12-07t10:00:00.250z").json()
    assert got["received_at"] == "2026-12-07T10:00:00+00:00"  # to the second
    assert schemas.instant_error("2026-12-07T10:00:00-00:00") is None
    assert schemas.instant_error("2026-12-07T24:00:00Z") is not None


def test_an_unknown_reference_is_a_404_for_every_operation(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    shown = api.client.get(f"{PREFIX}/incidents/INC-99999", headers=auth)
    _documented(doc, "/incidents/{reference}", "get", shown)
    assert shown.status_code == 404 and "INC-99999" in shown.json()["detail"]
    for step in STEPS:
        response = _step(api, auth, doc, "INC-99999", step, priority="P1", reason="r")
        assert response.status_code == 404, (step, response.text)


@pytest.mark.parametrize("scopes", [("incidents:read",), ("cases:read", "cases:write")])
def test_a_token_without_incidents_write_gets_403_and_changes_nothing(
        api: Api, auth: dict[str, str], doc: dict[str, Any], scopes: tuple[str, ...]) -> None:
    reference = _raise(api, auth, doc, received_at=MONDAY_10).json()["reference"]
    _, token = api.new_client("Reader", scopes)
    narrow = {"Authorization": f"Bearer {token}"}
    attempts = [("/incidents", {"service": "capture", "priority": "P1", "title": "Down"})] + [
        (f"/incidents/{reference}/{step}", {"priority": "P1", "reason": "Worse"}) for step in STEPS]
    for path, body in attempts:
        response = api.client.post(PREFIX + path, json=body, headers=narrow)
        assert response.status_code == 403, (path, response.text)
        assert response.headers["www-authenticate"] == (
            'Bearer realm="api", error="insufficient_scope", scope="incidents:write"')
        assert_valid(doc, "Problem", response.json())
    assert _count(api) == 1
    shown = api.client.get(f"{PREFIX}/incidents/{reference}", headers=narrow)
    if "incidents:read" in scopes:
        assert shown.status_code == 200 and [e["kind"] for e in shown.json()["timeline"]] == ["raised"]
    else:
        assert shown.status_code == 403 and 'scope="incidents:read"' in shown.headers["www-authenticate"]


def test_reading_needs_incidents_read_and_no_token_is_401(api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    reference = _raise(api, auth, doc, received_at=MONDAY_10).json()["reference"]
    _, token = api.new_client("Writer", ("incidents:write",))
    shown = api.client.get(f"{PREFIX}/incidents/{reference}", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 403 and 'scope="incidents:read"' in shown.headers["www-authenticate"]
    anonymous = api.client.post(f"{PREFIX}/incidents", json={"service": "capture", "priority": "P1", "title": "x"})
    _documented(doc, "/incidents", "post", anonymous)
    assert anonymous.status_code == 401


def test_the_document_publishes_each_incident_operations_scope(doc: dict[str, Any]) -> None:
    assert doc["paths"]["/incidents"]["post"]["security"] == [{"bearerToken": ["incidents:write"]}]
    assert doc["paths"]["/incidents/{reference}"]["get"]["security"] == [{"bearerToken": ["incidents:read"]}]
    for step in STEPS:
        assert doc["paths"][f"/incidents/{{reference}}/{step}"]["post"]["security"] == [
            {"bearerToken": ["incidents:write"]}]
    assert schemas.MESSAGES not in str(doc["components"]["schemas"]["IncidentCreate"])


@pytest.mark.parametrize("raw", [
    b'{"service": "capture", "priority": "P3", "title": "a\\ud800b"}',
    b'{"service": "capture", "priority": "P3", "title": "Down", "affected": "\\udfff"}',
    b'{"service": "capture", "priority": "P3", "title": "Down", "\\ud800": 1}',
])
def test_half_a_surrogate_pair_is_a_422_not_a_5xx(api: Api, auth: dict[str, str], doc: dict[str, Any],
                                                   raw: bytes) -> None:
    """JSON can escape what no database stores; the same check guards the case bodies."""
    response = api.client.post(f"{PREFIX}/incidents", content=raw, headers={**auth, "Content-Type": "application/json"})
    _documented(doc, "/incidents", "post", response)
    assert response.status_code == 422, response.text
    assert _count(api) == 0
    case = api.post(content=raw.replace(b'"service": "capture", "priority": "P3", "title"', b'"subject"')
                    .replace(b"{", b'{"case_type": "foi", "description": "d", "requester": {"name": "n", '
                             b'"email": "a@example.com"}, ', 1), headers={"Content-Type": "application/json"})
    assert case.status_code == 422, case.text


def test_a_retry_with_the_same_idempotency_key_gets_the_incident_raised_before(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    payload = {"service": "capture", "priority": "P1", "title": "No form can be sent", "received_at": MONDAY_10}
    keyed = {**auth, "Idempotency-Key": "monitor-alert-7731"}
    first = api.client.post(f"{PREFIX}/incidents", json=payload, headers=keyed)
    _documented(doc, "/incidents", "post", first)
    again = api.client.post(f"{PREFIX}/incidents", json=payload, headers=keyed)
    _documented(doc, "/incidents", "post", again)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.json()["reference"] == first.json()["reference"]
    assert again.headers["location"] == first.headers["location"]
    assert _count(api) == 1
    other = api.client.post(f"{PREFIX}/incidents", json={**payload, "title": "Something else"}, headers=keyed)
    assert other.status_code == 422 and "different body" in other.json()["detail"], other.text
    assert _count(api) == 1
    unkeyed = api.client.post(f"{PREFIX}/incidents", json=payload, headers=auth)
    assert unkeyed.status_code == 201 and _count(api) == 2  # without a key, two posts are two incidents


def test_an_idempotency_key_that_was_refused_can_be_used_again_and_a_bad_one_is_a_400(
        api: Api, auth: dict[str, str], doc: dict[str, Any]) -> None:
    keyed = {**auth, "Idempotency-Key": "retry-after-fixing"}
    refused = api.client.post(f"{PREFIX}/incidents", json={"service": "capture", "priority": "P9", "title": "x"},
                              headers=keyed)
    assert refused.status_code == 422 and _count(api) == 0
    fixed = api.client.post(f"{PREFIX}/incidents", json={"service": "capture", "priority": "P3", "title": "x"},
                            headers=keyed)
    assert fixed.status_code == 201, fixed.text
    bad = api.client.post(f"{PREFIX}/incidents", json={"service": "capture", "priority": "P3", "title": "y"},
                          headers={**auth, "Idempotency-Key": "k" * 201})
    _documented(doc, "/incidents", "post", bad)
    assert bad.status_code == 400 and "Idempotency-Key" in _fields(bad), bad.text
    assert _count(api) == 1


def test_a_case_s_idempotency_key_does_not_raise_an_incident(api: Api, auth: dict[str, str]) -> None:
    """A key is one request's: the same key on the other endpoint is a reuse, whatever the body."""
    _, token = api.new_client("Both", ("incidents:write", "cases:write"))
    keyed = {"Authorization": f"Bearer {token}", "Idempotency-Key": "shared-key"}
    made = api.client.post(f"{PREFIX}/cases", json=case_body(), headers=keyed)
    assert made.status_code == 201, made.text
    refused = api.client.post(f"{PREFIX}/incidents", json={"service": "capture", "priority": "P3", "title": "x"},
                              headers=keyed)
    assert refused.status_code == 422 and "different body" in refused.json()["detail"], refused.text
    assert _count(api) == 0
