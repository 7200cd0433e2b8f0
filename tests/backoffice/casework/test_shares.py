"""Sending documents securely from the case page, over HTTP on a real database: choosing clean attachments
and uploading response documents, the email preview, sending, and resending, extending, revoking and
unlocking a share; who may do which, and every bad input as a GOV.UK error, never half stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
from typing import Any

from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from backoffice.cases.models import Case, CaseAttachment, CaseStatus, StatusKind
from backoffice.cases.workflow import add_attachment
from backoffice.intake.new_cases import today_in_london
from backoffice.releases import secrets
from backoffice.releases.models import Share, ShareEvent
from backoffice.staff.accounts import StaffUser
from shared.db import transaction, utcnow
from shared.files import CLEAN, INFECTED, QUARANTINED, StoredFile
from shared.mail import OutboxMessage
from shared.runtime import Runtime
from shared.settings import Settings
from shared.worker import build_worker
from tests.backoffice.casework.conftest import Office
from tests.backoffice.casework.helpers import banner, error_summary
from tests.conftest import SPECS, starlette_app
from tests.factories import signed_in
from tests.pages import share_templates

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
FORBIDDEN = "You do not have permission to see this page"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
SAM = "sam@example.com"


def _fields(page: str, action: str) -> dict[str, Any]:
    """The hidden fields of the form posting to ``action``, a field sent more than once as a list."""
    match = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form posting to {action}"
    fields: dict[str, Any] = {}
    for name, value in HIDDEN.findall(match.group(1)):
        value = html.unescape(value)
        if name in fields:
            fields[name] = [*([fields[name]] if isinstance(fields[name], str) else fields[name]), value]
        else:
            fields[name] = value
    return fields


def _attach(office: Office, settings: Settings, reference: str, name: str = "Response.txt",
            content: bytes = b"Our response to your request.\n", status: str = CLEAN) -> int:
    """A case attachment; marked clean as ClamAV would (the scan itself is another test's business)."""
    with transaction(office.factory) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        user = session.get(StaffUser, office.ids["caseworker"])
        assert user is not None
        attachment = add_attachment(session, office.actor(user), user, case, settings, name, io.BytesIO(content))
        stored = session.get(StoredFile, attachment.file_id)
        assert stored is not None
        stored.status = status
        return attachment.id


def _send_page(reference: str) -> str:
    return f"/cases/{reference}/send-documents"


def _choose(client: TestClient, reference: str, **data: Any) -> Any:
    """The send page's form, filled in and posted (``action`` preview unless told)."""
    path = _send_page(reference)
    fields = _fields(client.get(path).text, path)
    return client.post(path, data={**fields, "action": "preview", "days": "30", **data}, follow_redirects=False)


def _send(client: TestClient, reference: str, ids: list[int], **data: Any) -> Any:
    """Preview, then Send from the preview page, as a caseworker would."""
    preview = _choose(client, reference, attachment_ids=[str(i) for i in ids], **data)
    assert preview.status_code == 200, preview.text
    path = _send_page(reference)
    return client.post(path, data={**_fields(preview.text, path), "action": "send"}, follow_redirects=False)


def _shares(office: Office) -> list[Share]:
    with office.factory() as session:
        return list(session.scalars(select(Share).order_by(Share.id)))


def _link_token(office: Office) -> str:
    with office.factory() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_address == SAM)
                               .order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    match = re.search(r"https?://\S*/([A-Za-z0-9_-]{40,})", body)
    assert match, body
    return match.group(1)


def test_a_caseworker_previews_and_sends_clean_documents_and_the_case_page_shows_the_share(
        office: Office, browser, check_page, settings: Settings) -> None:
    reference = office.new_reference()
    letter = _attach(office, settings, reference, "Response letter.txt")
    annex = _attach(office, settings, reference, "Annex A.txt", b"Annex A\n" * 1000)
    waiting = _attach(office, settings, reference, "Still scanning.txt", status=QUARANTINED)
    client = browser("caseworker")
    case_page = client.get(f"/cases/{reference}")
    check_page(case_page, title=reference)
    assert "Documents sent securely" in case_page.text and "No documents have been sent securely" in case_page.text
    assert f'href="{_send_page(reference)}"' in case_page.text
    assert "Response sent" in case_page.text and "Not yet" in case_page.text

    page = client.get(_send_page(reference))
    check_page(page, title=f"Send documents securely – {reference}")
    assert f'name="attachment_ids" type="checkbox" value="{letter}"' in page.text
    assert f'value="{waiting}"' not in page.text  # offered only once ClamAV says clean
    assert re.search(r"Still scanning\.txt.*?Checking for viruses", page.text, re.S)
    assert re.search(r"<input[^>]*id=\"days\"[^>]*value=\"30\"", page.text)  # the case type's default
    assert 'enctype="multipart/form-data"' in page.text and "multiple" in page.text

    preview = _choose(client, reference, attachment_ids=[str(letter), str(annex)], days="14",
                      message="Here is our response.", is_response="yes")
    check_page(preview, title=f"Check the email before you send it – {reference}")
    assert "Here is our response." in preview.text and "Response letter.txt" in preview.text
    assert "14 days" in preview.text
    assert _shares(office) == []  # a preview stores nothing

    change = client.post(_send_page(reference), data={**_fields(preview.text, _send_page(reference)),
                                                       "action": "change"})
    check_page(change, title=f"Send documents securely – {reference}")
    assert 'value="14"' in change.text and "Here is our response." in change.text

    send_form = {**_fields(preview.text, _send_page(reference)), "action": "send"}
    sent = client.post(_send_page(reference), data=send_form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{reference}"
    case_page = client.get(f"/cases/{reference}")
    check_page(case_page, title=reference)
    assert banner(case_page.text) == f"2 documents sent securely to {SAM}"
    [share] = _shares(office)
    assert share.recipient == SAM and share.is_response
    assert secrets.digest(_link_token(office)) == share.token_hash
    section = case_page.text[case_page.text.index('id="shares"'):]
    for text in ("Sent", SAM, "Response letter.txt", "Annex A.txt", "8 KB", f"Documents sent to {SAM}",
                 "Resend the link", "Extend", "Revoke"):
        assert text in section, text
    assert "Locked" not in section
    assert today_in_london().strftime("%-d %B %Y") in case_page.text[case_page.text.index("Response sent"):]
    with office.factory() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.responded_on == today_in_london()
    # A double click on Send acts once.
    assert client.post(_send_page(reference), data=send_form, follow_redirects=False).status_code == 303
    assert len(_shares(office)) == 1


def _new_share(office: Office, browser, settings: Settings) -> tuple[str, Share, TestClient]:
    reference = office.new_reference()
    attachment = _attach(office, settings, reference)
    client = browser("caseworker")
    assert _send(client, reference, [attachment]).status_code == 303
    [share] = [s for s in _shares(office) if s.case_id == _case_id(office, reference)]
    return reference, share, client


def _case_id(office: Office, reference: str) -> int:
    with office.factory() as session:
        return int(session.scalars(select(Case.id).where(Case.reference == reference)).one())


def _share_now(office: Office, share_id: int) -> Share:
    with office.factory() as session:
        found = session.get(Share, share_id)
        assert found is not None
        return found


def test_resend_extend_revoke_and_unlock(office: Office, browser, check_page, settings: Settings) -> None:
    reference, share, client = _new_share(office, browser, settings)
    base = f"/cases/{reference}/shares/{share.id}"
    old_hash = share.token_hash

    check_page(client.get(base + "/resend"), title=f"Send a new link to the requester? – {reference}")
    response = client.post(base + "/resend", data=_fields(client.get(base + "/resend").text, base + "/resend"),
                           follow_redirects=False)
    assert response.status_code == 303
    assert banner(client.get(f"/cases/{reference}").text) == f"A new link was sent to {SAM}. The old link no longer works"
    resent = _share_now(office, share.id)
    assert resent.token_hash != old_hash and secrets.digest(_link_token(office)) == resent.token_hash

    page = client.get(base + "/extend")
    check_page(page, title=f"Give the requester longer to download the documents – {reference}")
    for data, field, message in [
        ({"days": "7", "reason": ""}, "reason", "Enter a reason"),
        ({"days": "", "reason": "Asked for more time"}, "days", "Enter how many more days the documents stay available"),
        ({"days": "0", "reason": "Asked"}, "days", "Number of days must be between 1 and 90"),
        ({"days": "91", "reason": "Asked"}, "days", "Number of days must be between 1 and 90"),
        ({"days": "lots", "reason": "Asked"}, "days", "Number of days must be a whole number, like 14"),
    ]:
        refused = client.post(base + "/extend", data={**_fields(page.text, base + "/extend"), **data})
        check_page(refused, status=422, title=f"Error: Give the requester longer to download the documents – {reference}")
        assert error_summary(refused.text) == [(f"#{field}", message)], data
    assert _share_now(office, share.id).expires_at == resent.expires_at
    extended = client.post(base + "/extend", data={**_fields(page.text, base + "/extend"), "days": "7",
                                                   "reason": "The requester is away"}, follow_redirects=False)
    assert extended.status_code == 303
    assert _share_now(office, share.id).expires_at > resent.expires_at
    assert "Time to download extended to" in client.get(f"/cases/{reference}").text

    # Locked after too many wrong email addresses: the case page says so and offers Unlock.
    with transaction(office.factory) as session:
        session.execute(update(Share).where(Share.id == share.id).values(locked_at=utcnow(), failures_in_row=10))
    case_page = client.get(f"/cases/{reference}")
    assert "Locked" in case_page.text
    unlocked = client.post(base + "/unlock", data=_fields(case_page.text, base + "/unlock"), follow_redirects=False)
    assert unlocked.status_code == 303 and _share_now(office, share.id).locked_at is None
    case_page = client.get(f"/cases/{reference}")
    assert banner(case_page.text) == f"Unlocked: {SAM} can confirm their email address again"
    assert f'action="{base}/unlock"' not in case_page.text

    page = client.get(base + "/revoke")
    check_page(page, title=f"Withdraw access to the documents? – {reference}")
    refused = client.post(base + "/revoke", data={**_fields(page.text, base + "/revoke"), "reason": "  "})
    check_page(refused, status=422, title=f"Error: Withdraw access to the documents? – {reference}")
    assert error_summary(refused.text) == [("#reason", "Enter a reason")]
    assert _share_now(office, share.id).revoked_at is None
    revoked = client.post(base + "/revoke", data={**_fields(page.text, base + "/revoke"), "reason": "Wrong file"},
                          follow_redirects=False)
    assert revoked.status_code == 303 and _share_now(office, share.id).revoked_at is not None
    case_page = client.get(f"/cases/{reference}")
    section = case_page.text[case_page.text.index('id="shares"'):]
    assert "Revoked" in section and "Access withdrawn: Wrong file" in section
    assert f"{base}/resend" not in section and f"{base}/revoke" not in section
    # An ended share is not managed any more: its pages go back to the case, a POST is refused with a reason.
    assert client.get(base + "/extend", follow_redirects=False).status_code == 303
    def fresh() -> dict[str, Any]:  # a new form key, from a form the case page still has
        return _fields(client.get(f"/cases/{reference}").text, f"/cases/{reference}/watch")

    again = client.post(base + "/resend", data=fresh())
    check_page(again, status=409, title=f"Error: Send a new link to the requester? – {reference}")
    assert error_summary(again.text) == [("#share", "The documents cannot be sent again: the share is revoked")]
    not_locked = client.post(base + "/unlock", data=fresh())
    check_page(not_locked, status=409, title=f"Error: {reference}")
    assert error_summary(not_locked.text) == [("#shares", "The documents cannot be unlocked: the share is revoked")]
    with office.factory() as session:
        kinds = list(session.scalars(select(ShareEvent.kind).where(ShareEvent.share_id == share.id)
                                     .order_by(ShareEvent.id)))
    assert kinds == ["sent", "link_resent", "extended", "unlocked", "revoked"]


def test_a_reader_cannot_send_or_manage_and_a_closed_case_can_still_be_revoked(
        office: Office, browser, check_page, settings: Settings) -> None:
    reference, share, client = _new_share(office, browser, settings)
    reader = browser("read-only")
    page = reader.get(f"/cases/{reference}")
    check_page(page, title=reference)
    assert "Documents sent securely" in page.text and SAM in page.text  # a reader sees the shares
    assert _send_page(reference) not in page.text and "/revoke" not in page.text
    check_page(reader.get(_send_page(reference)), status=403, title=FORBIDDEN)
    check_page(reader.get(f"/cases/{reference}/shares/{share.id}/revoke"), status=403, title=FORBIDDEN)
    check_page(browser("outsider").get(_send_page(reference)), status=403, title=FORBIDDEN)
    # Another case's share is not reached through this case.
    other = office.new_reference()
    check_page(client.get(f"/cases/{other}/shares/{share.id}/revoke"), status=404, title="Page not found")

    with transaction(office.factory) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        closed = session.scalars(select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id,
                                                          CaseStatus.kind == StatusKind.CLOSED)).first()
        assert closed is not None
        case.status_id = closed.id
    check_page(client.get(_send_page(reference)), status=403, title=FORBIDDEN)
    page = client.get(f"/cases/{reference}/shares/{share.id}/revoke")
    check_page(page, title=f"Withdraw access to the documents? – {reference}")
    base = f"/cases/{reference}/shares/{share.id}/revoke"
    revoked = client.post(base, data={**_fields(page.text, base), "reason": "Sent in error"}, follow_redirects=False)
    assert revoked.status_code == 303 and _share_now(office, share.id).revoked_at is not None


def test_bad_choices_are_refused_with_the_form_again_and_nothing_stored(
        office: Office, browser, check_page, settings: Settings) -> None:
    reference = office.new_reference()
    mine = _attach(office, settings, reference)
    scanning = _attach(office, settings, reference, "Scanning.txt", status=QUARANTINED)
    infected = _attach(office, settings, reference, "Bad.txt", status=INFECTED)
    other = office.new_reference()
    theirs = _attach(office, settings, other)
    client = browser("caseworker")
    title = f"Error: Send documents securely – {reference}"
    cases: list[tuple[dict[str, Any], int, tuple[str, str]]] = [
        ({}, 422, ("#attachment_ids", "Select the documents to send")),
        ({"attachment_ids": [str(theirs)]}, 422, ("#attachment_ids", "Select documents attached to this case")),
        ({"attachment_ids": ["not-a-number"]}, 422, ("#attachment_ids", "Select documents attached to this case")),
        ({"attachment_ids": [str(i) for i in range(1, 102)]}, 422, ("#attachment_ids", "Select 100 documents or fewer")),
        ({"attachment_ids": [str(mine)], "days": "0"}, 422, ("#days", "Number of days must be between 1 and 90")),
        ({"attachment_ids": [str(mine)], "days": "91"}, 422, ("#days", "Number of days must be between 1 and 90")),
        ({"attachment_ids": [str(mine)], "days": ""}, 422, ("#days", "Enter how many days the documents stay available")),
        ({"attachment_ids": [str(mine)], "message": "x" * 2001}, 422, ("#message", "Message must be 2000 characters or fewer")),
        ({"attachment_ids": [str(mine), str(scanning)]}, 409,
         ("#attachment_ids", "Scanning.txt cannot be sent: checking for viruses")),
        ({"attachment_ids": [str(infected)]}, 409,
         ("#attachment_ids", "Bad.txt cannot be sent: this file contained a virus and was deleted")),
    ]
    for data, status, expected in cases:
        for action in ("preview", "send"):
            response = _choose(client, reference, action=action, **data)
            check_page(response, status=status, title=title)
            assert error_summary(response.text) == [expected], (data, action)
    assert _shares(office) == []
    # The message typed is kept when the form comes back.
    kept = _choose(client, reference, attachment_ids=[str(mine)], days="0", message="Kept words")
    assert "Kept words" in kept.text and f'value="{mine}" checked' in kept.text
    # A case with no email address for the requester cannot be sent documents securely.
    no_email = office.new_reference(requester=dataclasses.replace(_requester(), email=None, address="1 High Street"))
    attachment = _attach(office, settings, no_email)
    response = _choose(client, no_email, attachment_ids=[str(attachment)])
    check_page(response, status=422, title=f"Error: Send documents securely – {no_email}")
    assert error_summary(response.text) == [("#recipient", "Add the requester's email address to the case before "
                                                          "sending documents securely")]


def _requester() -> Any:
    from backoffice.intake.new_cases import Requester

    return Requester(name="Sam Jones", email=SAM)


def _upload(client: TestClient, reference: str, files: list[tuple[str, bytes]]) -> Any:
    path = _send_page(reference)
    action = path + "/upload"
    return client.post(action, data=_fields(client.get(path).text, action),
                       files=[("files", (name, io.BytesIO(content), "application/octet-stream"))
                              for name, content in files], follow_redirects=False)


def test_uploaded_response_documents_wait_for_the_virus_check(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    client = browser("caseworker")
    response = _upload(client, reference, [("Response.txt", b"Our response.\n"), ("Figures.csv", b"year,count\n2025,3\n")])
    assert response.status_code == 303 and response.headers["location"] == _send_page(reference)
    page = client.get(_send_page(reference))
    check_page(page, title=f"Send documents securely – {reference}")
    assert banner(page.text) == "2 documents uploaded. They can be sent once checked for viruses"
    waiting = page.text[page.text.index("Not ready to send"):]
    assert re.search(r"Response\.txt.*?Checking for viruses.*?Figures\.csv.*?Checking for viruses", waiting, re.S)
    assert 'name="attachment_ids" type="checkbox"' not in page.text
    with office.factory() as session:
        assert session.scalar(select(func.count(CaseAttachment.id))) == 2

    # One wrong file refuses the whole upload: nothing of it is kept.
    refused = _upload(client, reference, [("Fine.txt", b"fine\n"), ("program.exe", b"MZ\x90\x00" + b"\x00" * 100)])
    check_page(refused, status=422, title=f"Error: Send documents securely – {reference}")
    [(anchor, message)] = error_summary(refused.text)
    assert anchor == "#files" and message.startswith("program.exe: The selected file must be a")
    empty = _upload(client, reference, [])
    check_page(empty, status=422, title=f"Error: Send documents securely – {reference}")
    assert error_summary(empty.text) == [("#files", "Select the documents to upload")]
    with office.factory() as session:
        assert session.scalar(select(func.count(CaseAttachment.id))) == 2
    reader = browser("read-only")
    token = re.search(r'name="csrf_token" value="([^"]+)"', reader.get(f"/cases/{reference}").text)
    assert token
    refused = reader.post(_send_page(reference) + "/upload", data={"csrf_token": token.group(1)},
                          files=[("files", ("a.txt", io.BytesIO(b"a\n"), "text/plain"))])
    check_page(refused, status=403, title=FORBIDDEN)


def test_an_infected_upload_can_never_be_sent(office: Office, browser, check_page, runtime: Runtime,
                                              clamd_socket: str) -> None:
    reference = office.new_reference()
    client = browser("caseworker")
    assert _upload(client, reference, [("eicar.txt", EICAR), ("Response.txt", b"Our response.\n")]).status_code == 303
    scanner = Runtime(dataclasses.replace(runtime.settings, clamd_socket=clamd_socket), runtime.engine, runtime.factory)
    build_worker(scanner, SPECS).run_until_idle()
    with office.factory() as session:
        rows = dict(session.execute(select(StoredFile.original_name, StoredFile.status)).all())
        ids = dict(session.execute(select(StoredFile.original_name, CaseAttachment.id)
                                   .join(CaseAttachment, CaseAttachment.file_id == StoredFile.id)).all())
    assert rows == {"eicar.txt": INFECTED, "Response.txt": CLEAN}
    page = client.get(_send_page(reference))
    check_page(page, title=f"Send documents securely – {reference}")
    assert f'value="{ids["Response.txt"]}"' in page.text and f'value="{ids["eicar.txt"]}"' not in page.text
    assert re.search(r"eicar\.txt.*?This file contained a virus and was deleted", page.text, re.S)
    refused = _choose(client, reference, attachment_ids=[str(ids["eicar.txt"]), str(ids["Response.txt"])])
    check_page(refused, status=409, title=f"Error: Send documents securely – {reference}")
    assert error_summary(refused.text) == [("#attachment_ids",
                                            "eicar.txt cannot be sent: this file contained a virus and was deleted")]
    assert _shares(office) == []
    assert _send(client, reference, [ids["Response.txt"]]).status_code == 303


def test_the_case_type_default_is_offered(office: Office, browser, settings: Settings) -> None:
    reference = office.new_reference()
    with transaction(office.factory) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.case_type.share_days = 45
    page = browser("caseworker").get(_send_page(reference))
    assert re.search(r"<input[^>]*id=\"days\"[^>]*value=\"45\"", page.text)
    attachment = _attach(office, settings, reference)
    assert _send(browser("caseworker"), reference, [attachment], days="45").status_code == 303
    [share] = _shares(office)
    assert dt.timedelta(days=44) < share.expires_at - share.sent_at < dt.timedelta(days=46)


MB = 1024 * 1024


def test_response_documents_take_the_staff_limit_and_a_body_past_it_is_refused_early(
        office: Office, settings: Settings, runtime: Runtime, check_page) -> None:
    """STAFF_MAX_UPLOAD_MB, not MAX_UPLOAD_MB, on the response documents route alone; past it, a 413 whatever
    the headers say (a chunked body declares no length), and nothing stored."""
    roomy = dataclasses.replace(settings, max_upload_bytes=1 * MB, staff_max_upload_bytes=3 * MB)
    app = starlette_app("backoffice", Runtime(roomy, runtime.engine, runtime.factory))
    share_templates(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        signed_in(client, office.factory, roomy.secret_key, office.ids["caseworker"])
        reference = office.new_reference()
        page = client.get(_send_page(reference))
        assert "3 MB at most in one upload" in page.text
        big = b"Our response, at length.\n" * (2 * MB // 25)
        assert _upload(client, reference, [("Long response.txt", big)]).status_code == 303
        case_path = f"/cases/{reference}"
        ordinary = client.post(case_path + "/attachments", data=_fields(client.get(case_path).text,
                                                                        case_path + "/attachments"),
                               files={"file": ("Long response.txt", io.BytesIO(big), "text/plain")})
        check_page(ordinary, status=413, title="The file or form you sent is too large")
        too_big = _upload(client, reference, [("Huge.txt", b"a\n" * (2 * MB))])
        assert too_big.status_code == 413

        fields = _fields(client.get(_send_page(reference)).text, _send_page(reference) + "/upload")
        boundary = "civicboundary"

        def chunked() -> Any:
            for name, value in fields.items():
                yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"Endless.txt\"\r\n"
                   "Content-Type: text/plain\r\n\r\n").encode()
            for _ in range(10 * 16):  # 10 MB, if nothing stopped it
                yield b"a" * (64 * 1024)
            yield f"\r\n--{boundary}--\r\n".encode()

        # The test client hands over the whole body; the counting as it arrives is shared.web.bodies' own test.
        endless = client.post(_send_page(reference) + "/upload", content=chunked(),
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert endless.status_code == 413 and endless.headers["connection"] == "close"
    with office.factory() as session:
        names = list(session.scalars(select(StoredFile.original_name)))
    assert names == ["Long response.txt"]
