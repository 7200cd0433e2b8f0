"""GET one case and the case list: queue filters, due-date order and keyset cursor paging."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.api.openapi import document
from backoffice.cases.models import Case, CaseRestriction, CaseStatus
from backoffice.staff.accounts import Role, create_user
from backoffice.staff.groups import Group
from shared.db import utcnow
from tests.backoffice.api.conftest import SYSTEM, Api, body
from tests.backoffice.api.schema_check import assert_valid

TODAY = dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.UTC)


def test_get_one_case(api: Api) -> None:
    created = api.post(body()).json()
    response = api.get(f"/api/v1/cases/{created['reference']}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == created
    assert api.get(f"/api/v1/cases/{created['reference'].lower()}").json() == created


def test_missing_case_is_a_404_problem(api: Api) -> None:
    response = api.get("/api/v1/cases/FOI-2025-99999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert_valid(document(api.runtime.settings), "Problem", response.json())
    assert response.json()["detail"] == "There is no case FOI-2025-99999"


@pytest.fixture
def queue(api: Api, time_machine) -> dict[str, str]:
    """Cases of several types and dates, one closed, one with its clock stopped, one owned, one in progress."""
    time_machine.move_to(TODAY)
    refs = {
        "foi_a": api.seed_case("foi", dt.date(2025, 12, 22), subject="Bus timetables"),   # due 2026-01-23
        "foi_b": api.seed_case("foi", dt.date(2025, 12, 22), email="kim@example.com"),   # same due date
        "sar": api.seed_case("sar", dt.date(2025, 11, 3)),                               # overdue
        "complaint": api.seed_case("complaint", dt.date(2026, 1, 5)),
        "enquiry": api.seed_case("enquiry", dt.date(2026, 1, 19)),
        "eir": api.seed_case("eir", dt.date(2026, 1, 20)),
        "closed": api.seed_case("foi", dt.date(2025, 10, 1), closed_at=utcnow()),
        "stopped": api.seed_case("foi", dt.date(2026, 1, 2), due_on=None),
        "stopped_2": api.seed_case("eir", dt.date(2026, 1, 2), due_on=None),
    }
    with api.session() as session, session.begin():
        manager = create_user(session, SYSTEM, email="manager@example.gov.uk", name="Manager", role=Role.MANAGER,
                              password=None)
        complaint = session.scalar(select(Case).where(Case.reference == refs["complaint"]))
        assert complaint is not None
        complaint.owner_id = manager.id
        complaint.status_id = session.scalars(select(CaseStatus.id).where(
            CaseStatus.case_type_id == complaint.case_type_id, CaseStatus.key == "stage_1")).one()
    return refs


def _ids(api: Api) -> dict[str, tuple[bool, dt.date | None, int]]:
    with api.session() as session:
        return {ref: (due is None, due, id_) for ref, due, id_ in session.execute(select(Case.reference, Case.due_on, Case.id))}


def _list(api: Api, **params: Any) -> list[str]:
    response = api.get("/api/v1/cases", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [case["reference"] for case in response.json()["cases"]]


def test_open_cases_sorted_by_due_date_then_id_clock_stopped_last(api: Api, queue: dict[str, str]) -> None:
    listed = _list(api)
    keys = _ids(api)
    assert set(listed) == set(queue.values()) - {queue["closed"]}
    assert listed == sorted(listed, key=lambda ref: (keys[ref][0], keys[ref][1] or dt.date.max, keys[ref][2]))
    assert listed[-2:] == [queue["stopped"], queue["stopped_2"]]
    assert set(_list(api, open="false")) == set(queue.values())


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_cursor_pages_have_no_gaps_or_duplicates(api: Api, queue: dict[str, str], limit: int) -> None:
    everything = _list(api, open="false")
    seen: list[str] = []
    pages = 0
    response = api.get("/api/v1/cases", params={"limit": limit, "open": "false"})
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert_valid(document(api.runtime.settings), "CaseList", page)
        assert len(page["cases"]) <= limit
        seen += [case["reference"] for case in page["cases"]]
        pages += 1
        if page["next_cursor"] is None:
            assert page["links"]["next"] is None
            break
        assert page["links"]["next"].startswith("http://testserver/backoffice/api/v1/cases?")
        assert "open=false" in page["links"]["next"]
        response = api.get("/api/v1/cases", params={"limit": limit, "open": "false", "cursor": page["next_cursor"]})
    assert seen == everything
    assert pages == -(-len(everything) // limit)  # a full last page already says there is no next


def test_next_link_can_be_followed_as_is(api: Api, queue: dict[str, str]) -> None:
    first = api.get("/api/v1/cases", params={"limit": 3, "case_type": ["foi", "eir"]}).json()
    following = api.get(first["links"]["next"].removeprefix("http://testserver/backoffice")).json()
    both = first["cases"] + following["cases"]
    assert len(first["cases"]) == 3 and following["cases"]
    assert {c["case_type"] for c in both} == {"foi", "eir"}
    assert len({c["reference"] for c in both}) == len(both)


def test_cases_added_while_paging_do_not_shift_pages(api: Api, queue: dict[str, str]) -> None:
    first = api.get("/api/v1/cases", params={"limit": 3}).json()
    api.seed_case("sar", dt.date(2025, 10, 6))  # sorts before everything already seen
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/cases", params={"limit": 3, "cursor": cursor}).json()
        rest += [c["reference"] for c in page["cases"]]
        cursor = page["next_cursor"]
    seen = [c["reference"] for c in first["cases"]] + rest
    assert len(seen) == len(set(seen)) == len(queue) - 1


def test_filters(api: Api, queue: dict[str, str]) -> None:
    q = queue
    assert set(_list(api, case_type=["sar", "complaint"])) == {q["sar"], q["complaint"]}
    assert _list(api, status="stage_1") == [q["complaint"]]
    assert set(_list(api, status="new", case_type="foi")) == {q["foi_a"], q["foi_b"], q["stopped"]}
    assert _list(api, owner="Manager@example.gov.uk") == [q["complaint"]]
    assert _list(api, team="Data protection") == [q["sar"]]
    assert _list(api, overdue="true") == [q["sar"]]
    assert set(_list(api, due_within_days=3)) == {q["sar"], q["foi_a"], q["foi_b"]}
    assert set(_list(api, received_from="2026-01-05", received_to="2026-01-19")) == {q["complaint"], q["enquiry"]}
    assert _list(api, q="timetables") == [q["foi_a"]]
    assert _list(api, q="kim@example.com") == [q["foi_b"]]
    assert _list(api, q=q["eir"].lower()) == [q["eir"]]
    assert _list(api, q=q["closed"]) == [] and _list(api, q=q["closed"], open="false") == [q["closed"]]


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"limit": "٣"}, "limit"),
    ({"limit": "１０"}, "limit"),
    ({"limit": "1_0"}, "limit"),
    ({"limit": "99999999999999999999"}, "limit"),
    ({"due_within_days": "٣"}, "due_within_days"),
    ({"received_from": "٢٠٢٥-٠١-٠١"}, "received_from"),
    ({"cursor": "x" * 10_000}, "cursor"),
    ({"limit": ["5", "6"]}, "limit"),
    ({"overdue": "yes"}, "overdue"),
    ({"open": "1"}, "open"),
    ({"due_within_days": "-1"}, "due_within_days"),
    ({"received_from": "2025-13-01"}, "received_from"),
    ({"received_to": "20/01/2026"}, "received_to"),
    ({"casetype": "foi"}, "casetype"),
    ({"q": "x" * 201}, "q"),
])
def test_bad_query_parameters_are_a_400_problem(api: Api, queue: dict[str, str], params: dict[str, Any],
                                                field: str) -> None:
    response = api.get("/api/v1/cases", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert_valid(document(api.runtime.settings), "Problem", problem)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "pointer" not in problem["errors"][0]


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "nope"}, "status"),
    ({"status": "stage_1", "case_type": "foi"}, "status"),
    ({"owner": "nobody@example.gov.uk"}, "owner"),
    ({"team": "Nobody"}, "team"),
])
def test_names_that_match_nothing_are_a_422_problem(api: Api, queue: dict[str, str], params: dict[str, Any],
                                                    field: str) -> None:
    """Well formed, so the document calls the request valid: the server could not know, so not a 400."""
    response = api.get("/api/v1/cases", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert_valid(document(api.runtime.settings), "Problem", problem)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "pointer" not in problem["errors"][0]


def _cursor(api: Api, **params: Any) -> str:
    cursor = api.get("/api/v1/cases", params={"limit": 1, **params}).json()["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


def _tamper(cursor: str) -> str:
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    data["p"][2] += 1
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize("make", [
    lambda api: "not-a-cursor",
    lambda api: base64.urlsafe_b64encode(b'{"p": [1, null, 3, "x"], "s": "00"}').decode(),
    lambda api: base64.urlsafe_b64encode(b"[]").decode(),
    lambda api: _tamper(_cursor(api)),
    lambda api: _cursor(api, case_type="foi"),  # issued for other filters
    lambda api: base64.urlsafe_b64encode('{"p": [1, null, 3, "x"], "s": "é"}'.encode()).decode(),
    lambda api: base64.urlsafe_b64encode(b'{"p": [1, null, 3, "x"], "s": ' + b"[" * 300 + b"]" * 300 + b"}").decode(),
    lambda api: base64.urlsafe_b64encode(b"[" * 10_000 + b"]" * 10_000).decode(),
    lambda api: "é" + _cursor(api),
], ids=["garbage", "unsigned", "wrong shape", "tampered", "other filters", "non-ASCII signature", "nested signature",
        "deeply nested", "non-ASCII cursor"])
def test_bad_cursor_is_a_problem(api: Api, queue: dict[str, str], make) -> None:
    """Longer than the document allows: 400; of the documented form but not issued by us: 422."""
    from backoffice.api.schemas import CURSOR_MAX_LENGTH

    cursor = make(api)
    response = api.get("/api/v1/cases", params={"limit": 1, "cursor": cursor})
    assert response.status_code == (400 if len(cursor) > CURSOR_MAX_LENGTH else 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "cursor"


def test_api_clients_see_restricted_cases_too(api: Api, queue: dict[str, str]) -> None:
    """A trusted system sees every case, whatever group restrictions staff have."""
    with api.session() as session, session.begin():
        case = session.scalar(select(Case).where(Case.reference == queue["sar"]))
        group = session.scalar(select(Group).where(Group.name == "Data protection"))
        assert case is not None and group is not None
        session.add(CaseRestriction(case_id=case.id, group_id=group.id))
    assert queue["sar"] in _list(api)
    assert api.get(f"/api/v1/cases/{queue['sar']}").status_code == 200


def test_decoding_a_cursor_never_fails_but_as_an_unusable_query() -> None:
    """Whatever the text (the query parameter's length limit aside), decoding refuses it with UnusableQuery."""
    from backoffice.api.errors import UnusableQuery
    from backoffice.api.queries import decode_cursor
    from backoffice.api.schemas import ListQuery

    for data in (b"[" * 100_000 + b"]" * 100_000, '{"p": [1, null, 3, "x"], "s": "é"}'.encode(),
                 b'{"p": [1, null, 3, "x"], "s": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"\xff\xfe"):
        with pytest.raises(UnusableQuery):
            decode_cursor("secret", ListQuery(), base64.urlsafe_b64encode(data).decode())
