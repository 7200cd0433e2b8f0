"""The clock through the API: extend, pause, resume and clarification answer with the case (its new due_on
and clock), refusals are problem documents, every change is audited with the API client as actor, and the
clock state in a list is each case's own.

Today is fixed at Monday 16 March 2026; cases are received on Monday 2 March (an FOI is due on 31 March).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.api.openapi import document
from backoffice.cases.models import Case, CaseType
from backoffice.deadlines.permissions import ClockAction, set_permission
from backoffice.staff.accounts import Role
from shared import audit
from tests.backoffice.api.conftest import SYSTEM, Api
from tests.backoffice.api.schema_check import assert_valid

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)
RUNNING = {"running": True, "stopped_since": None, "waiting_for": None, "extended": False}


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(TODAY)


def _post(api: Api, reference: str, action: str, body: Any) -> Any:
    return api.client.post(f"/api/v1/cases/{reference}/{action}", json=body, headers=api.auth)


def _ok(api: Api, reference: str, action: str, body: Any) -> dict[str, Any]:
    response = _post(api, reference, action, body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert_valid(document(api.runtime.settings), "Case", response.json())
    return response.json()


def _problem(api: Api, reference: str, action: str, body: Any, status: int) -> dict[str, Any]:
    response = _post(api, reference, action, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert_valid(document(api.runtime.settings), "Problem", response.json())
    return response.json()


def _clock_audit(api: Api, reference: str) -> list[tuple[str, str, str]]:
    with api.session() as session:
        rows = session.execute(select(audit.AuditEvent.actor_type, audit.AuditEvent.actor_label,
                                      audit.AuditEvent.summary)
                               .where(audit.AuditEvent.object_id == reference,
                                      audit.AuditEvent.action == "case.clock_changed").order_by(audit.AuditEvent.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_new_case_shows_its_clock(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    case = api.get(f"/api/v1/cases/{reference}").json()
    assert case["due_on"] == "2026-03-31" and case["clock"] == RUNNING


def test_extend_applies_the_types_extension_once(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    case = _ok(api, reference, "extend", {"reason": "Public interest test for s.43"})
    assert case["due_on"] == "2026-04-30" and case["clock"] == {**RUNNING, "extended": True}
    twice = _problem(api, reference, "extend", {"reason": "Again"}, 409)
    assert "can be extended only once" in twice["detail"]
    assert _clock_audit(api, reference) == [
        ("api_client", "Contact centre CRM", "Deadline extended: Public interest test for s.43; due 30 April 2026")]
    eir, sar = api.seed_case("eir", RECEIVED), api.seed_case("sar", RECEIVED)
    assert _ok(api, eir, "extend", {"reason": "Complex and voluminous"})["due_on"] == "2026-04-30"
    assert _ok(api, sar, "extend", {"reason": "Numerous requests"})["due_on"] == "2026-06-02"


def test_extend_refusals(api: Api) -> None:
    enquiry = api.seed_case("enquiry", RECEIVED)
    assert "has no extension" in _problem(api, enquiry, "extend", {"reason": "More time"}, 409)["detail"]
    foi = api.seed_case("foi", RECEIVED)
    blank = _problem(api, foi, "extend", {"reason": " "}, 422)
    assert blank["errors"] == [{"field": "reason", "detail": "Enter the reason, up to 2000 characters",
                                "pointer": "#/reason"}]
    missing = _problem(api, foi, "extend", {}, 422)
    assert missing["errors"] == [{"field": "reason", "detail": "This field is required", "pointer": "#/reason"}]
    unknown = _problem(api, foi, "extend", {"reason": "x", "days": 5}, 422)
    assert [e["field"] for e in unknown["errors"]] == ["days"]
    assert _problem(api, foi, "extend", ["reason"], 422)["errors"][0]["field"] == "body"
    assert api.get(f"/api/v1/cases/{foi}").json()["due_on"] == "2026-03-31"  # nothing changed
    assert _clock_audit(api, foi) == []


def test_pause_and_resume(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    paused = _ok(api, reference, "pause", {"reason": "clarification", "note": "Which roads?", "on": "2026-03-09"})
    assert paused["due_on"] is None
    assert paused["clock"] == {"running": False, "stopped_since": "2026-03-09", "waiting_for": "clarification",
                               "extended": False}
    assert "already stopped" in _problem(api, reference, "pause", {"reason": "fee"}, 409)["detail"]
    resumed = _ok(api, reference, "resume", {"on": "2026-03-16"})
    assert resumed["due_on"] == "2026-04-16" and resumed["clock"] == RUNNING
    assert "nothing to resume" in _problem(api, reference, "resume", {}, 409)["detail"]
    assert [row[2] for row in _clock_audit(api, reference)] == [
        "Clock stopped: clarification requested; clock stopped",
        "Clock restarted: clarification received; due 16 April 2026"]
    assert {row[0] for row in _clock_audit(api, reference)} == {"api_client"}


def test_pause_refusals(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    bad_reason = _problem(api, reference, "pause", {"reason": "holiday"}, 422)
    assert bad_reason["errors"] == [{"field": "reason", "detail": "Select fee, clarification or identity",
                                     "pointer": "#/reason"}]
    future = _problem(api, reference, "pause", {"reason": "fee", "on": "2026-03-17"}, 422)
    assert future["errors"] == [{"field": "on", "detail": "Date must be today or in the past", "pointer": "#/on"}]
    not_a_date = _problem(api, reference, "pause", {"reason": "fee", "on": "16/03/2026"}, 422)
    assert not_a_date["errors"][0]["detail"] == "Must be a real date in the format YYYY-MM-DD"
    # FOI has no identity check (SAR has): the law for the type refuses it.
    assert "identity requested" in _problem(api, reference, "pause", {"reason": "identity"}, 409)["detail"]
    before_receipt = _problem(api, reference, "pause", {"reason": "fee", "on": "2026-03-01"}, 409)
    assert "before the request was received" in before_receipt["detail"]
    sar = api.seed_case("sar", RECEIVED)
    assert _ok(api, sar, "pause", {"reason": "identity"})["clock"]["waiting_for"] == "identity"
    assert api.get(f"/api/v1/cases/{reference}").json()["clock"] == RUNNING


def test_clarification(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    asked = _ok(api, reference, "clarification", {"requested_on": "2026-03-09"})
    assert asked["clock"]["waiting_for"] == "clarification" and asked["due_on"] is None
    answered = _ok(api, reference, "clarification", {"received_on": "2026-03-16"})
    assert answered["due_on"] == "2026-04-16" and answered["clock"] == RUNNING
    both = api.seed_case("foi", RECEIVED)
    assert _ok(api, both, "clarification", {"requested_on": "2026-03-09", "received_on": "2026-03-16"})["due_on"] \
        == "2026-04-16"
    assert "No clarification has been asked for" in _problem(
        api, both, "clarification", {"received_on": "2026-03-16"}, 409)["detail"]
    assert _problem(api, both, "clarification", {}, 422)["errors"][0]["field"] == "requested_on"


def test_api_clients_are_not_bound_by_staff_roles(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    with api.session() as session, session.begin():
        foi = session.scalar(select(CaseType).where(CaseType.key == "foi"))
        assert foi is not None
        for role in (Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR):
            for action in ClockAction:
                set_permission(session, SYSTEM, foi, action, role, False)
    assert _ok(api, reference, "extend", {"reason": "Trusted system"})["clock"]["extended"] is True


def test_refusals_before_the_case_core(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    for action in ("extend", "pause", "resume", "clarification"):
        assert _problem(api, "FOI-1999-99999", action, {}, 404)["detail"] == "There is no case FOI-1999-99999"
        no_token = api.client.post(f"/api/v1/cases/{reference}/{action}", json={})
        assert no_token.status_code == 401 and no_token.headers["content-type"] == "application/problem+json"
        form = api.client.post(f"/api/v1/cases/{reference}/{action}", data={"reason": "x"}, headers=api.auth)
        assert form.status_code == 415
        broken = api.client.post(f"/api/v1/cases/{reference}/{action}", content=b"{", headers={
            **api.auth, "Content-Type": "application/json"})
        assert broken.status_code == 400
    closed = api.seed_case("foi", RECEIVED, closed_at=TODAY)
    with api.session() as session, session.begin():
        case = session.scalar(select(Case).where(Case.reference == closed))
        assert case is not None
        case.status_id = next(s.id for s in case.case_type.statuses if s.kind == "closed")
    assert "reopen it" in _problem(api, closed, "pause", {"reason": "fee"}, 409)["detail"]
    assert api.get(f"/api/v1/cases/{reference}").json()["clock"] == RUNNING


def test_clock_in_lists_is_each_cases_own(api: Api) -> None:
    """A list reads every case's clock in one query; each must be what the case alone shows."""
    references = [api.seed_case("foi", RECEIVED), api.seed_case("sar", RECEIVED), api.seed_case("eir", RECEIVED)]
    _ok(api, references[0], "pause", {"reason": "fee", "on": "2026-03-10"})
    _ok(api, references[1], "pause", {"reason": "identity", "on": "2026-03-03"})
    _ok(api, references[1], "resume", {"on": "2026-03-05"})
    _ok(api, references[1], "pause", {"reason": "clarification", "on": "2026-03-12"})
    _ok(api, references[2], "extend", {"reason": "Complex"})
    listed = {c["reference"]: c for c in api.get("/api/v1/cases", params={"limit": 200}).json()["cases"]}
    for reference in references:
        assert listed[reference] == api.get(f"/api/v1/cases/{reference}").json()
    assert listed[references[0]]["clock"]["stopped_since"] == "2026-03-10"
    assert listed[references[1]]["clock"] == {"running": False, "stopped_since": "2026-03-12",
                                              "waiting_for": "clarification", "extended": False}
    assert listed[references[2]]["clock"] == {**RUNNING, "extended": True}


def test_documented_statuses_cover_the_answers(api: Api) -> None:
    doc = document(api.runtime.settings)
    reference = api.seed_case("foi", RECEIVED)
    seen = {
        ("extend", _post(api, reference, "extend", {"reason": "x"}).status_code),
        ("extend", _post(api, reference, "extend", {"reason": "x"}).status_code),
        ("pause", _post(api, reference, "pause", {"reason": "nope"}).status_code),
        ("resume", _post(api, reference, "resume", {}).status_code),
        ("clarification", _post(api, "NOPE-1", "clarification", {}).status_code),
    }
    assert {status for _, status in seen} == {200, 404, 409, 422}
    for action, status in seen:
        assert str(status) in doc["paths"][f"/cases/{{reference}}/{action}"]["post"]["responses"]
