"""Secure Share through the API: uploading attachments, sending clean ones, reading a share and its history,
resending, extending, revoking and unlocking; each with its scope, bad input as RFC 9457 problems, and
never the link's token in a response."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select, update

from backoffice.cases.models import Case, CaseAttachment, CaseStatus, StatusKind
from backoffice.releases import secrets
from backoffice.releases.models import Share
from shared.db import utcnow
from shared.files import CLEAN, INFECTED, StoredFile
from shared.mail import OutboxMessage
from tests.backoffice.api.conftest import Api
from tests.backoffice.api.schema_check import assert_valid

PREFIX = "/api/v1"
RELEASES = ("cases:read", "cases:write", "releases:read", "releases:write")


def _client(api: Api, scopes: tuple[str, ...] = RELEASES) -> dict[str, str]:
    _, token = api.new_client("Records system", scopes)
    return {"Authorization": f"Bearer {token}"}


def _document(api: Api) -> dict[str, Any]:
    return api.client.get(f"{PREFIX}/openapi.json").json()


def _upload(api: Api, auth: dict[str, str], reference: str, name: str = "Response.txt",
            content: bytes = b"Our response.\n", **data: str) -> Any:
    return api.client.post(f"{PREFIX}/cases/{reference}/attachments", headers=auth, data=data,
                           files={"file": (name, io.BytesIO(content), "application/octet-stream")})


def _mark(api: Api, attachment_id: int, status: str = CLEAN) -> None:
    """As ClamAV would have it (the scan itself is the files service's test)."""
    with api.session() as session, session.begin():
        file_id = session.scalar(select(CaseAttachment.file_id).where(CaseAttachment.id == attachment_id))
        session.execute(update(StoredFile).where(StoredFile.id == file_id).values(status=status))


def _clean_attachment(api: Api, auth: dict[str, str], reference: str, name: str = "Response.txt") -> int:
    response = _upload(api, auth, reference, name)
    assert response.status_code == 201, response.text
    _mark(api, response.json()["id"])
    return int(response.json()["id"])


def _share(api: Api, auth: dict[str, str], reference: str, body: Any) -> Any:
    return api.client.post(f"{PREFIX}/cases/{reference}/shares", headers=auth, json=body)


def _problem(api: Api, response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert_valid(_document(api), "Problem", problem)
    return problem


def test_upload_list_send_read_and_manage_a_share(api: Api) -> None:
    auth = _client(api)
    reference = api.seed_case(email="sam@example.com")
    uploaded = _upload(api, auth, reference, "Figures.csv", b"year,count\n2025,3\n", description="The figures")
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert_valid(_document(api), "Attachment", attachment)
    assert (attachment["name"], attachment["size"], attachment["scan"]) == ("Figures.csv", 18, "pending")
    listed = api.client.get(f"{PREFIX}/cases/{reference}/attachments", headers=auth)
    assert listed.status_code == 200
    assert_valid(_document(api), "AttachmentList", listed.json())
    assert [a["id"] for a in listed.json()["attachments"]] == [attachment["id"]]

    # Not yet passed by ClamAV: a conflict, and nothing is sent.
    problem = _problem(api, _share(api, auth, reference, {"attachment_ids": [attachment["id"]]}), 409)
    assert "Figures.csv" in problem["detail"]
    _mark(api, attachment["id"])
    assert api.client.get(f"{PREFIX}/cases/{reference}/attachments", headers=auth).json()["attachments"][0]["scan"] \
        == "clean"

    created = _share(api, auth, reference, {"attachment_ids": [attachment["id"]], "days": 10,
                                            "message": "Here are the figures.", "is_response": True})
    assert created.status_code == 201, created.text
    share = created.json()
    assert_valid(_document(api), "Share", share)
    assert (share["status"], share["recipient"], share["is_response"], share["locked"]) == (
        "sent", "sam@example.com", True, False)
    assert [f["name"] for f in share["files"]] == ["Figures.csv"]
    assert [h["kind"] for h in share["history"]] == ["sent"] and share["history"][0]["by"] == "Records system"
    with api.session() as session:
        stored = session.get(Share, share["id"])
        assert stored is not None
        body = session.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id.desc())).first()
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.responded_on is not None
    assert body is not None
    token = next(word for word in body.split() if secrets.digest(word.rsplit("/", 1)[-1]) == stored.token_hash)
    assert token.rsplit("/", 1)[-1] not in created.text  # the link is in the email only

    base = f"{PREFIX}/cases/{reference}/shares/{share['id']}"
    shown = api.client.get(base, headers=auth)
    assert shown.status_code == 200 and shown.json()["id"] == share["id"]
    listing = api.client.get(f"{PREFIX}/cases/{reference}/shares", headers=auth)
    assert_valid(_document(api), "ShareList", listing.json())
    assert [s["id"] for s in listing.json()["shares"]] == [share["id"]]

    resent = api.client.post(base + "/resend", headers=auth)
    assert resent.status_code == 200 and resent.json()["history"][0]["kind"] == "link_resent"
    with api.session() as session:
        assert session.get(Share, share["id"]).token_hash != stored.token_hash  # type: ignore[union-attr]
    extended = api.client.post(base + "/extend", headers=auth, json={"days": 5, "reason": "Asked for time"})
    assert extended.status_code == 200 and extended.json()["expires_at"] > share["expires_at"]
    problem = _problem(api, api.client.post(base + "/unlock", headers=auth), 409)
    assert problem["detail"] == "The share is not locked"
    with api.session() as session, session.begin():
        session.execute(update(Share).where(Share.id == share["id"]).values(locked_at=utcnow()))
    assert api.client.get(base, headers=auth).json()["locked"] is True
    unlocked = api.client.post(base + "/unlock", headers=auth)
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    revoked = api.client.post(base + "/revoke", headers=auth, json={"reason": "Sent to the wrong address"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert revoked.json()["history"][0]["what"] == "Access withdrawn: Sent to the wrong address"
    for path, payload in [("/resend", None), ("/extend", {"days": 1, "reason": "x"}), ("/revoke", {"reason": "x"})]:
        _problem(api, api.client.post(base + path, headers=auth, json=payload), 409)
    for response in (shown, resent, extended, unlocked, revoked):
        assert_valid(_document(api), "Share", response.json())


def test_bad_input_is_a_problem_and_nothing_is_stored(api: Api) -> None:
    auth = _client(api)
    reference = api.seed_case()
    other = api.seed_case()
    mine = _clean_attachment(api, auth, reference)
    theirs = _clean_attachment(api, auth, other)
    infected = _clean_attachment(api, auth, reference, "Bad.txt")
    _mark(api, infected, INFECTED)
    for payload, status, field in [
        ({"attachment_ids": [theirs]}, 422, "attachment_ids"),
        ({"attachment_ids": []}, 422, "attachment_ids"),
        ({"attachment_ids": list(range(1, 102))}, 422, "attachment_ids"),
        ({"attachment_ids": [mine], "days": 0}, 422, "days"),
        ({"attachment_ids": [mine], "days": 91}, 422, "days"),
        ({"attachment_ids": [mine], "days": "30"}, 422, "days"),
        ({"attachment_ids": [2**40]}, 422, "attachment_ids[0]"),
        ({"attachment_ids": [mine], "token": "x"}, 422, "token"),
        ({"attachment_ids": [mine], "message": "x" * 2001}, 422, "message"),
        ({"days": 30}, 422, "attachment_ids"),
        ({"attachment_ids": [mine, infected]}, 409, "attachment_ids"),
    ]:
        problem = _problem(api, _share(api, auth, reference, payload), status)
        assert field in [e["field"] for e in problem["errors"]], (payload, problem)
    assert _problem(api, api.client.post(f"{PREFIX}/cases/{reference}/shares", headers=auth, content=b"days=1",
                                         ), 415)
    _problem(api, _share(api, auth, "FOI-1999-99999", {"attachment_ids": [mine]}), 404)
    with api.session() as session:
        assert session.scalar(select(func.count(Share.id))) == 0
    created = _share(api, auth, reference, {"attachment_ids": [mine]})
    assert created.status_code == 201
    base = f"{PREFIX}/cases/{reference}/shares/{created.json()['id']}"
    for payload, field in [({"days": 5}, "reason"), ({"days": 5, "reason": "  "}, "reason"),
                           ({"days": 91, "reason": "Asked"}, "days"), ({"reason": "Asked"}, "days")]:
        problem = _problem(api, api.client.post(base + "/extend", headers=auth, json=payload), 422)
        assert field in [e["field"] for e in problem["errors"]], payload
    _problem(api, api.client.post(base + "/revoke", headers=auth, json={}), 422)
    # Another case's share, and ids that name nothing, are not found.
    for path in (f"{PREFIX}/cases/{other}/shares/{created.json()['id']}", f"{base}999",
                 f"{PREFIX}/cases/{reference}/shares/abc", f"{PREFIX}/cases/{reference}/shares/{2**63}"):
        _problem(api, api.client.get(path, headers=auth), 404)
    # Uploads: no file, an empty one, a type not allowed, a description too long, not multipart.
    for name, content, data in [("Empty.txt", b"", {}), ("program.exe", b"MZ\x90\x00" + b"\x00" * 64, {}),
                                ("Fine.txt", b"fine\n", {"description": "x" * 301})]:
        problem = _problem(api, _upload(api, auth, reference, name, content, **data), 422)
        assert problem["errors"], problem
    _problem(api, api.client.post(f"{PREFIX}/cases/{reference}/attachments", headers=auth, data={"description": "x"},
                                  files={"other": ("a.txt", io.BytesIO(b"a"), "text/plain")}), 422)
    problem = _problem(api, api.client.post(f"{PREFIX}/cases/{reference}/attachments", headers=auth, json={}), 415)
    assert "multipart/form-data" in problem["detail"]
    with api.session() as session:
        case_id = session.scalars(select(Case.id).where(Case.reference == reference)).one()
        assert session.scalar(select(func.count(CaseAttachment.id)).where(CaseAttachment.case_id == case_id)) == 2


def test_each_operation_needs_its_scope(api: Api) -> None:
    everything = _client(api)
    reference = api.seed_case()
    attachment = _clean_attachment(api, everything, reference)
    share_id = _share(api, everything, reference, {"attachment_ids": [attachment]}).json()["id"]
    share = f"{PREFIX}/cases/{reference}/shares/{share_id}"
    operations: list[tuple[str, str, dict[str, Any], str]] = [
        ("GET", f"{PREFIX}/cases/{reference}/attachments", {}, "cases:read"),
        ("POST", f"{PREFIX}/cases/{reference}/attachments",
         {"files": {"file": ("a.txt", io.BytesIO(b"a\n"), "text/plain")}}, "cases:write"),
        ("GET", f"{PREFIX}/cases/{reference}/shares", {}, "releases:read"),
        ("POST", f"{PREFIX}/cases/{reference}/shares", {"json": {"attachment_ids": [attachment]}}, "releases:write"),
        ("GET", share, {}, "releases:read"),
        ("POST", share + "/resend", {}, "releases:write"),
        ("POST", share + "/extend", {"json": {"days": 1, "reason": "Asked"}}, "releases:write"),
        ("POST", share + "/unlock", {}, "releases:write"),
        ("POST", share + "/revoke", {"json": {"reason": "Wrong file"}}, "releases:write"),
    ]
    doc = _document(api)
    for method, path, kwargs, scope in operations:
        others = tuple(s for s in RELEASES if s != scope)
        response = api.client.request(method, path, headers=_client(api, others), **kwargs)
        assert response.status_code == 403, (method, path, response.text)
        assert f'scope="{scope}"' in response.headers["www-authenticate"]
        if "files" in kwargs:
            kwargs["files"]["file"][1].seek(0)
        response = api.client.request(method, path, headers=_client(api, (scope,)), **kwargs)
        assert response.status_code in {200, 201, 409}, (method, path, response.text)
        template = path.removeprefix(PREFIX).replace(reference, "{reference}").replace(f"/{share_id}", "/{share_id}")
        assert doc["paths"][template][method.lower()]["security"] == [{"bearerToken": [scope]}]


def test_a_closed_case_sends_nothing_new_but_a_share_can_still_be_revoked(api: Api) -> None:
    auth = _client(api)
    reference = api.seed_case()
    attachment = _clean_attachment(api, auth, reference)
    share_id = _share(api, auth, reference, {"attachment_ids": [attachment]}).json()["id"]
    with api.session() as session, session.begin():
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        closed = session.scalars(select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id,
                                                          CaseStatus.kind == StatusKind.CLOSED)).first()
        assert closed is not None
        case.status_id = closed.id
    problem = _problem(api, _share(api, auth, reference, {"attachment_ids": [attachment]}), 409)
    assert "documents cannot be sent" in problem["detail"]
    _problem(api, _upload(api, auth, reference), 409)
    revoked = api.client.post(f"{PREFIX}/cases/{reference}/shares/{share_id}/revoke", headers=auth,
                              json={"reason": "Sent in error"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
