"""Closing a case through the API: the outcome (a type's key, or an official category mapped to one), the
exemptions and the response date, refused as problems with field errors; open tasks are a conflict.

Today is fixed at Monday 16 March 2026; cases are received on Monday 2 March.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.api.openapi import document
from backoffice.cases.models import Case, Task
from shared import audit
from tests.backoffice.api.conftest import Api
from tests.backoffice.api.schema_check import assert_valid

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(TODAY)


def _ready(api: Api, case_type: str = "foi") -> str:
    """A case with its automatic tasks cancelled, so it can be closed."""
    reference = api.seed_case(case_type, RECEIVED)
    with api.session() as session, session.begin():
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        for task in session.scalars(select(Task).where(Task.case_id == case.id)):
            task.status = "cancelled"
    return reference


def _close(api: Api, reference: str, body: Any):
    return api.client.post(f"/api/v1/cases/{reference}/close", json=body, headers=api.auth)


def _problem(api: Api, reference: str, body: Any, status: int) -> dict[str, str]:
    response = _close(api, reference, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert_valid(document(api.runtime.settings), "Problem", response.json())
    return {e["field"]: e["detail"] for e in response.json().get("errors", [])}


def _case(api: Api, reference: str) -> Case:
    with api.session() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return case


def test_a_case_is_closed_with_its_facts(api: Api) -> None:
    reference = _ready(api)
    response = _close(api, reference.lower(), {"outcome": "granted_in_part", "exemptions": ["s40", "s43"],
                                               "responded_on": "2026-03-13"})
    assert response.status_code == 200, response.text
    assert_valid(document(api.runtime.settings), "Case", response.json())
    got = response.json()
    assert (got["status"], got["outcome"], got["exemptions"], got["responded_on"]) == (
        "closed", "granted_in_part", ["s40", "s43"], "2026-03-13")
    assert got["closed_at"] is not None
    case = _case(api, reference)
    assert case.responded_on == dt.date(2026, 3, 13) and case.closed_at is not None
    with api.session() as session:
        closed = [e for e in audit.history(session, "case", reference) if e.action == "case.closed"]
    assert closed[0].actor_type == "api_client" and closed[0].detail["responded_on"] == "2026-03-13"
    again = _close(api, reference, {"outcome": "granted_in_part"})  # the same outcome again: nothing changes
    assert again.status_code == 200 and again.json()["exemptions"] == ["s40", "s43"]
    assert _problem(api, reference, {"outcome": "not_held"}, 409) == {}


def test_an_official_category_is_mapped_to_the_one_outcome_it_names(api: Api) -> None:
    cost = _ready(api)
    response = _close(api, cost, {"outcome": "fully_withheld", "refusal_reason": "cost_limit"})
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "cost_limit" and response.json()["responded_on"] == "2026-03-16"
    not_held = _ready(api)
    assert _close(api, not_held, {"outcome": "not_held"}).json()["outcome"] == "not_held"
    ambiguous = _ready(api)
    errors = _problem(api, ambiguous, {"outcome": "fully_withheld", "refusal_reason": "exemption"}, 422)
    assert "refused_in_full" in errors["outcome"] and "ncnd" in errors["outcome"]
    errors = _problem(api, ambiguous, {"outcome": "on_hold_or_lapsed"}, 422)
    assert "give the outcome itself" in errors["outcome"]
    assert _case(api, ambiguous).closed_at is None


def test_impossible_facts_are_refused_and_nothing_is_stored(api: Api) -> None:
    reference = _ready(api)
    cases = [
        ({"outcome": "sent_by_pigeon"}, "outcome"),
        ({"outcome": "granted_in_full", "exemptions": ["s40"]}, "exemptions"),
        ({"outcome": "granted_in_part", "exemptions": ["r12_4_e"]}, "exemptions"),  # an EIR exception on an FOI
        ({"outcome": "not_held", "responded_on": "2026-03-01"}, "responded_on"),
        ({"outcome": "not_held", "responded_on": "2026-03-17"}, "responded_on"),
        ({"outcome": "vexatious", "refusal_reason": "cost_limit"}, "refusal_reason"),
        ({"outcome": "not_held", "refusal_reason": "exemption"}, "refusal_reason"),
        ({"outcome": "not_held", "refusal_reason": "because"}, "refusal_reason"),
        ({"outcome": "not_held", "responded_on": "16/03/2026"}, "responded_on"),
        ({"outcome": "not_held", "reason": "x"}, "reason"),
        ({"exemptions": []}, "outcome"),
    ]
    for body, field in cases:
        errors = _problem(api, reference, body, 422)
        assert field in errors, (body, errors)
    case = _case(api, reference)
    assert case.closed_at is None and case.outcome is None and case.responded_on is None


def test_open_tasks_are_a_conflict_and_the_scope_is_cases_write(api: Api) -> None:
    reference = api.seed_case("foi", RECEIVED)
    response = _close(api, reference, {"outcome": "not_held"})
    assert response.status_code == 409 and "open task" in response.json()["detail"]
    assert _problem(api, "FOI-2026-99999", {"outcome": "not_held"}, 404) == {}
    _, token = api.new_client("Reader", ("cases:read",))
    refused = api.client.post(f"/api/v1/cases/{reference}/close", json={"outcome": "not_held"},
                              headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert api.client.post(f"/api/v1/cases/{reference}/close", content=b"outcome=not_held",
                           headers={**api.auth, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
