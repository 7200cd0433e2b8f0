"""The Disclosure Log through the API: publish a closed case's response in one step (refused with the
personal-data check's findings), read it, withdraw it; each with its scope, bad input as RFC 9457 problems."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backoffice.cases.models import Case, CaseStatus, StatusKind
from backoffice.disclosures.models import Publication, PublicationChange
from shared.db import utcnow
from tests.backoffice.api.conftest import Api
from tests.backoffice.api.schema_check import assert_valid
from tests.backoffice.api.test_shares import _clean_attachment, _client, _document, _problem

PREFIX = "/api/v1"
SCOPES = ("cases:read", "cases:write", "disclosures:read", "disclosures:write")


def _close(api: Api, reference: str) -> None:
    with api.session() as session, session.begin():
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        closed = session.scalars(select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id,
                                                          CaseStatus.kind == StatusKind.CLOSED)).first()
        assert closed is not None
        case.status_id, case.closed_at, case.outcome = closed.id, utcnow(), "granted_in_full"


def _publish(api: Api, auth: dict[str, str], reference: str, body: Any) -> Any:
    return api.client.post(f"{PREFIX}/cases/{reference}/publication", headers=auth, json=body)


def test_publish_read_and_withdraw(api: Api) -> None:
    auth = _client(api, SCOPES)
    reference = api.seed_case(email="sam@example.com", name="Sam Jones")
    attachment = _clean_attachment(api, auth, reference, "Timetables.txt")
    _close(api, reference)
    body = {"title": "Bus timetables 2025", "summary": "We sent the timetables.", "attachment_ids": [attachment]}

    refused = _problem(api, _publish(api, auth, reference, {**body, "title": ""}), 422)
    assert "title" in str(refused["errors"])
    created = _publish(api, auth, reference, body)
    assert created.status_code == 201, created.text
    publication = created.json()
    assert_valid(_document(api), "Publication", publication)
    assert publication["status"] == "published" and publication["url"].endswith(f"/disclosure-log/responses/{reference}")
    assert [d["name"] for d in publication["documents"]] == ["Timetables.txt"]
    with api.session() as session:
        assert session.scalar(select(PublicationChange.publication_id)) == publication["id"]  # the index is told

    read = api.client.get(f"{PREFIX}/cases/{reference}/publication", headers=auth)
    assert read.status_code == 200 and read.json()["id"] == publication["id"]
    _problem(api, api.client.post(f"{PREFIX}/cases/{reference}/publication/withdraw", headers=auth,
                                  json={"reason": " "}), 422)
    withdrawn = api.client.post(f"{PREFIX}/cases/{reference}/publication/withdraw", headers=auth,
                                json={"reason": "It named a driver."})
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawn_reason"]) == ("withdrawn", "It named a driver.")
    _problem(api, _publish(api, auth, reference, body), 409)  # one entry a case: republish it on its page


def test_personal_data_refuses_and_stores_nothing(api: Api) -> None:
    auth = _client(api, SCOPES)
    reference = api.seed_case(email="sam@example.com", name="Sam Jones")
    _close(api, reference)
    problem = _problem(api, _publish(api, auth, reference, {"title": "Letter to Sam Jones",
                                                            "summary": "Call 07700 900123."}), 422)
    assert {(f["kind"], f["found"]) for f in problem["check"]} >= {("requester name", "Sam Jones"),
                                                                   ("phone number", "07700 900123")}
    with api.session() as session:
        assert session.scalars(select(Publication)).first() is None


def test_scopes_and_unknown_cases(api: Api) -> None:
    reference = api.seed_case()
    reader = _client(api, ("cases:read", "disclosures:read"))
    _problem(api, _publish(api, reader, reference, {"title": "T", "summary": "S"}), 403)
    _problem(api, api.client.get(f"{PREFIX}/cases/{reference}/publication", headers=reader), 404)
    _problem(api, api.client.get(f"{PREFIX}/cases/FOI-1999-9/publication", headers=reader), 404)
    writer = _client(api, SCOPES)
    _problem(api, _publish(api, writer, reference, {"title": "Open case", "summary": "Not closed yet."}), 409)
    _problem(api, _publish(api, writer, reference, {"title": "T", "summary": "S", "category": "No such"}), 422)


def test_the_two_person_rule_leaves_a_response_with_documents_awaiting_approval(api: Api) -> None:
    auth = _client(api, SCOPES)
    reference = api.seed_case(email="sam@example.com", name="Sam Jones")
    attachment = _clean_attachment(api, auth, reference, "Timetables.txt")
    _close(api, reference)
    with api.session() as session, session.begin():
        session.scalars(select(Case).where(Case.reference == reference)).one().case_type.publication_approval = True
    created = _publish(api, auth, reference, {"title": "Bus timetables 2025", "summary": "We sent the timetables.",
                                              "attachment_ids": [attachment]})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "awaiting approval"
    _problem(api, api.client.post(f"{PREFIX}/cases/{reference}/publication/withdraw", headers=auth,
                                  json={"reason": "Not yet public."}), 409)
