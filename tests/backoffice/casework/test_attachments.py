"""Case attachments over HTTP: uploaded through the case page, scanned by a real clamd, and downloadable only
once clean; infected, unchecked, oversized and wrongly typed files are refused."""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import zlib

from sqlalchemy import func, select

from backoffice.cases.models import CaseAttachment
from backoffice.intake.new_cases import Answer, NewAttachment, NewCase, Requester, create_case
from shared import audit
from shared.files import CLEAN, INFECTED, QUARANTINED, StoredFile, store_upload
from shared.runtime import Runtime
from shared.settings import Settings
from shared.worker import build_worker
from tests.backoffice.casework.conftest import Office
from tests.backoffice.casework.helpers import banner, error_summary, form_fields
from tests.conftest import SPECS

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
FORBIDDEN = "You do not have permission to see this page"
NOT_FOUND = "Page not found"


def _upload(client, reference: str, name: str, content: bytes, description: str = ""):
    path = f"/cases/{reference}"
    fields = form_fields(client.get(path).text, f"{path}/attachments")
    return client.post(f"{path}/attachments", data={**fields, "description": description},
                       files={"file": (name, io.BytesIO(content), "application/octet-stream")}, follow_redirects=False)


def _scan(runtime: Runtime, clamd_socket: str) -> None:
    """What the worker does in production: run the queued virus scans against the live clamd."""
    scanner = Runtime(dataclasses.replace(runtime.settings, clamd_socket=clamd_socket), runtime.engine, runtime.factory)
    build_worker(scanner, SPECS).run_until_idle()


def _attachments(office: Office) -> list[tuple[int, str, str]]:
    with office.factory() as session:
        rows = session.execute(select(CaseAttachment.id, StoredFile.original_name, StoredFile.status)
                               .join(StoredFile, StoredFile.id == CaseAttachment.file_id).order_by(CaseAttachment.id))
        return [(int(i), name, status) for i, name, status in rows]


def _list(page: str) -> str:
    return page[page.index(">Attachments<"):page.index(">Timeline<")]


def test_a_clean_file_can_be_downloaded_once_scanned(office: Office, browser, check_page, runtime: Runtime,
                                                     clamd_socket: str) -> None:
    reference = office.new_reference()
    path = f"/cases/{reference}"
    client = browser("caseworker")
    page = client.get(path)
    check_page(page, title=reference)
    assert 'enctype="multipart/form-data"' in page.text
    assert "It must be a PDF, JPG, PNG, DOCX, ODT or TXT, smaller than 10MB." in page.text
    content = b"Dear council,\nPlease find my letter attached.\n"
    response = _upload(client, reference, "Letter from Sam.txt", content, "The requester's letter")
    assert response.status_code == 303 and response.headers["location"] == path
    page = client.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == ("Letter from Sam.txt attached. It can be downloaded once it has been checked "
                                 "for viruses")
    [(attachment_id, name, status)] = _attachments(office)
    assert (name, status) == ("Letter from Sam.txt", QUARANTINED)
    download = f"{path}/attachments/{attachment_id}"
    assert re.search(r"Letter from Sam\.txt.*?Checking for viruses", _list(page.text), re.S)
    assert f'href="{download}"' not in page.text
    check_page(client.get(download), status=404, title=NOT_FOUND)  # not until ClamAV has passed it

    _scan(runtime, clamd_socket)
    assert _attachments(office)[0][2] == CLEAN
    page = client.get(path)
    check_page(page, title=reference)
    assert f'href="{download}"' in page.text and "Ready" in _list(page.text)
    for who in ("caseworker", "read-only"):
        got = browser(who).get(download)
        assert got.status_code == 200 and got.content == content
        assert got.headers["content-disposition"].startswith('attachment; filename="Letter from Sam.txt"')
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-type"].startswith("text/plain")
    # Someone who cannot see the case is refused as for a case that does not exist.
    check_page(browser("outsider").get(download), status=403, title=FORBIDDEN)
    check_page(browser("outsider").get(f"/cases/FOI-1999-99999/attachments/{attachment_id}"), status=403,
               title=FORBIDDEN)
    # Another case's path does not reach this case's file.
    other = office.new_reference()
    check_page(client.get(f"/cases/{other}/attachments/{attachment_id}"), status=404, title=NOT_FOUND)
    with office.factory() as session:
        summaries = list(session.scalars(select(audit.AuditEvent.summary).where(
            audit.AuditEvent.object_id == reference, audit.AuditEvent.action == "case.attachment_added")))
    assert summaries == ["File attached: Letter from Sam.txt"]
    assert "File attached: Letter from Sam.txt" in page.text  # on the timeline


def test_an_infected_file_is_never_downloadable(office: Office, browser, check_page, runtime: Runtime,
                                                clamd_socket: str) -> None:
    reference = office.new_reference()
    client = browser("manager")
    assert _upload(client, reference, "eicar.txt", EICAR).status_code == 303
    _scan(runtime, clamd_socket)
    [(attachment_id, _name, status)] = _attachments(office)
    assert status == INFECTED
    page = client.get(f"/cases/{reference}")
    check_page(page, title=reference)
    assert "This file contained a virus and was deleted" in _list(page.text)
    download = f"/cases/{reference}/attachments/{attachment_id}"
    assert f'href="{download}"' not in page.text
    check_page(client.get(download), status=404, title=NOT_FOUND)


def test_wrong_type_oversized_and_missing_files_are_refused_with_govuk_errors(office: Office, browser,
                                                                             check_page) -> None:
    reference = office.new_reference()
    client = browser("caseworker")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    cases = [
        ("program.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, "The selected file must be a PDF, JPG, PNG, DOCX, ODT or TXT"),
        ("letter.pdf", png, "The selected file must be a PDF, JPG, PNG, DOCX, ODT or TXT"),  # a name that lies
        ("huge.txt", b"a" * (10 * 1024 * 1024 + 1), "The selected file must be smaller than 10MB"),
        ("empty.txt", b"", "The selected file is empty"),
        ("", b"", "Select a file"),
    ]
    for name, content, message in cases:
        response = _upload(client, reference, name, content, "Kept description")
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) == [("#attachment-file", message)], name
        assert 'value="Kept description"' in response.text
    long = _upload(client, reference, "fine.txt", b"fine", "x" * 301)
    assert error_summary(long.text) == [("#attachment-description", "Description must be 300 characters or fewer")]
    with office.factory() as session:
        assert session.scalar(select(func.count(StoredFile.id))) == 0
        assert session.scalar(select(func.count(CaseAttachment.id))) == 0


def test_only_those_who_work_the_case_may_attach(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    path = f"/cases/{reference}"
    reader = browser("read-only")
    assert f'action="{path}/attachments"' not in reader.get(path).text
    for who in ("read-only", "outsider"):
        client = browser(who)
        refused = client.post(f"{path}/attachments", data={"csrf_token": _csrf(client)},
                              files={"file": ("a.txt", io.BytesIO(b"a"), "text/plain")})
        check_page(refused, status=403, title=FORBIDDEN)
    assert _attachments(office) == []


def _csrf(client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/cases/mine").text)
    assert match
    return match.group(1)


def _png() -> bytes:
    """A real 1×1 PNG, as a phone's photo of a passport would be (only smaller)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def _requested_with_evidence(office: Office, settings: Settings) -> str:
    """A SAR as capture sends it: the requester's answers and the upload that answered a question."""
    with office.factory() as session, session.begin():
        requester = audit.Actor(type="requester", label="member of the public")
        stored = store_upload(session, settings, requester, filename="passport.png", stream=io.BytesIO(_png()))
        session.flush()
        case = create_case(session, requester, NewCase(
            case_type="sar", subject="Subject access request from Alex Morgan", description="My council tax records.",
            requester=Requester(name="Alex Morgan", email="alex@example.com"),
            answers=(Answer("Your full name", "Alex Morgan"), Answer("Your date of birth", "27 March 1985"),
                     Answer("Evidence of your identity", "passport.png")),
            attachments=(NewAttachment(stored.id, "Answer to “Upload evidence of your identity”"),),
        ))
        return case.reference


def test_a_requests_answers_and_evidence_are_on_the_case_page(office: Office, browser, check_page,
                                                             runtime: Runtime, settings: Settings,
                                                             clamd_socket: str) -> None:
    reference = _requested_with_evidence(office, settings)
    path = f"/cases/{reference}"
    client = browser("caseworker")
    page = client.get(path)
    check_page(page, title=reference)
    answers = page.text[page.text.index(">The requester’s answers<"):page.text.index(">Attachments<")]
    assert re.search(r'govuk-summary-list__key">\s*Your date of birth\s*</dt>\s*'
                     r'<dd class="govuk-summary-list__value[^"]*">\s*27 March 1985', answers), answers
    listed = _list(page.text)
    assert "passport.png" in listed and "Answer to “Upload evidence of your identity”" in listed
    assert "Alex Morgan (requester)" in listed and "Checking for viruses" in listed
    [(attachment_id, _name, status)] = _attachments(office)
    download = f"{path}/attachments/{attachment_id}"
    assert status == QUARANTINED and f'href="{download}"' not in page.text
    _scan(runtime, clamd_socket)
    page = client.get(path)
    assert f'href="{download}"' in page.text and "Ready" in _list(page.text)
    got = client.get(download)
    assert got.status_code == 200 and got.content == _png() and got.headers["content-type"] == "image/png"
    check_page(browser("outsider").get(path), status=403, title=FORBIDDEN)
    check_page(browser("outsider").get(download), status=403, title=FORBIDDEN)


def test_a_case_without_form_answers_has_no_answers_section(office: Office, browser) -> None:
    page = browser("caseworker").get(f"/cases/{office.new_reference()}")
    assert "The requester’s answers" not in page.text


def _reads(office: Office, reference: str) -> list[tuple[str, str, str]]:
    with office.factory() as session:
        rows = session.execute(select(audit.AuditEvent.action, audit.AuditEvent.actor_type, audit.AuditEvent.actor_label)
                               .where(audit.AuditEvent.object_type == "case", audit.AuditEvent.object_id == reference,
                                      audit.AuditEvent.action.in_(("case.viewed", "case.attachment_downloaded")))
                               .order_by(audit.AuditEvent.id))
        return [(a, t, label) for a, t, label in rows]


def test_case_views_and_attachment_downloads_are_audited(office: Office, browser, check_page,
                                                        runtime: Runtime, settings: Settings,
                                                        clamd_socket: str) -> None:
    reference = _requested_with_evidence(office, settings)
    _scan(runtime, clamd_socket)
    [(attachment_id, _name, _status)] = _attachments(office)
    reader = browser("read-only")
    page = reader.get(f"/cases/{reference}")
    check_page(page, title=reference)
    assert reader.get(f"/cases/{reference}/attachments/{attachment_id}").status_code == 200
    assert _reads(office, reference) == [("case.viewed", "staff", "read-only@example.gov.uk"),
                                         ("case.attachment_downloaded", "staff", "read-only@example.gov.uk")]
    # Refused requests read nothing, and nothing is recorded for them.
    browser("outsider").get(f"/cases/{reference}")
    browser("outsider").get(f"/cases/{reference}/attachments/{attachment_id}")
    assert len(_reads(office, reference)) == 2
    # A page shown again after a refused action still showed the case: that view is kept.
    worker = browser("caseworker")
    refused = _upload(worker, reference, "empty.txt", b"")
    assert refused.status_code == 422
    assert [r[2] for r in _reads(office, reference)][-2:] == ["caseworker@example.gov.uk"] * 2
    # Reads are in the audit log, not on the case's timeline.
    timeline = reader.get(f"/cases/{reference}").text.split(">Timeline<", 1)[1]
    assert "viewed" not in timeline.lower() and "downloaded" not in timeline.lower()
