"""The built-in forms end to end over HTTP: answers, check your answers, the real email, the case."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import struct
import zlib
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backoffice.cases.models import Case, CaseAttachment, CaseType
from backoffice.intake.forms import BUILT_IN_FORMS, form_for, generic_form
from capture.models import Draft
from shared import audit
from shared.audit import AuditEvent
from shared.files import CLEAN, StoredFile
from shared.runtime import Runtime
from shared.worker import build_worker
from tests.capture.conftest import FOI_ANSWERS, Requester
from tests.conftest import SPECS

SAR_ANSWERS = [
    ("name", {"name": "Alex Morgan"}),
    ("previous_names", {"previous_names": "Alex Smith"}),
    ("date_of_birth", {"date_of_birth-day": "27", "date_of_birth-month": "3", "date_of_birth-year": "1985"}),
    ("address", {"address": "1 High Street\nTestshire\nTS1 1AA"}),
    ("email", {"email": "alex@example.com"}),
    ("phone", {"phone": ""}),
    ("information", {"information": "My council tax records.", "period": "2020 to now"}),
]


def case_for(person: Requester, reference: str) -> Case:
    with person.runtime.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        session.expunge(case)
        return case


def png() -> bytes:
    """A real 1×1 PNG: a photo of a passport, only smaller."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def attachments_of(person: Requester, reference: str) -> list[tuple[str, str, str]]:
    """(file name, description, scan status) of each of the case's attachments, in order."""
    with person.runtime.factory() as session:
        rows = session.execute(
            select(StoredFile.original_name, CaseAttachment.description, StoredFile.status)
            .join(CaseAttachment, CaseAttachment.file_id == StoredFile.id).join(Case, Case.id == CaseAttachment.case_id)
            .where(Case.reference == reference).order_by(CaseAttachment.id))
        return [(name, description, status) for name, description, status in rows]


def confirm_by_email(person: Requester, email_count: int = 1) -> str:
    """Follow the newest confirmation email's link, confirm, and return the reference shown."""
    messages = person.mail(email_count)
    link = person.link_in(messages[-1], "/confirm?token=")
    page = person.get(link, title="Confirm and send your request")
    assert "Confirm and send your request" in page.text
    response = person.post("/confirm", {"token": link.split("token=", 1)[1]}, status=200)
    assert "Request sent" in response.text and "govuk-panel--confirmation" in response.text
    return response.text.split("Your reference number<br><strong>", 1)[1].split("<", 1)[0]


def test_foi_journey_creates_the_case_only_after_the_email_is_confirmed(person: Requester) -> None:
    start = person.get("/", title="Make a request to Testshire Council")
    assert "Freedom of Information request" in start.text
    type_start = person.get("/request/foi", title="Make a Freedom of Information request")
    assert "20 working days" in type_start.text and "privacy notice" in type_start.text
    assert 'href="/request/foi/name"' in type_start.text and "Start now" in type_start.text
    person.get("/request/foi/name", title="What is your full name?")
    person.fill("foi", FOI_ANSWERS)
    check = person.get("/request/foi/check", title="Check your answers")
    assert "Not provided" in check.text and "Copies of road resurfacing" in check.text
    assert 'href="/request/foi/format?change=1"' in check.text
    assert '<span class="govuk-visually-hidden"> how you would like to receive the information</span>' in check.text
    waiting = person.send("foi")
    assert "Check your email" in waiting.text and "sam@example.com" in waiting.text
    with person.runtime.factory() as session:
        assert session.scalar(select(Case).where(Case.requester_email == "sam@example.com")) is None
    reference = confirm_by_email(person)
    case = case_for(person, reference)
    assert reference.startswith("FOI-") and case.channel == "web form"
    assert case.requester_name == "Sam Jones" and case.subject.startswith("Copies of road resurfacing")
    assert case.details["answers"]["format"] == "email" and case.details["form"] == "foi"
    sent = person.get("/sent", title="Request sent")  # works when bookmarked
    due = case.due_on.strftime("%-d %B %Y")  # type: ignore[union-attr]
    assert due in sent.text and "What did you think of this service?" in sent.text
    ack = person.mail(2)[-1]
    body = ack.get_body(preferencelist=("plain",)).get_content()
    assert reference in ack["Subject"] and reference in body and due in body
    assert case.received_on == dt.datetime.now(ZoneInfo("Europe/London")).date()


def test_sar_journey_with_evidence_and_someone_else(person: Requester) -> None:
    assert "one month" in person.get("/request/sar").text
    person.fill("sar", SAR_ANSWERS)
    upload = person.get("/request/sar/identity", title="Upload evidence of your identity")
    assert 'enctype="multipart/form-data"' in upload.text and "smaller than 10MB" in upload.text
    person.answer("sar", "identity", {}, files={"identity": ("passport.txt", io.BytesIO(b"passport scan"), "text/plain")},
                  status=200)
    page = person.answer("sar", "acting_for", {"acting_for": "yes"}, status=200)
    assert "Who are you asking for?" in page.text
    person.answer("sar", "other_person", {"other_name": "Jo Morgan", "other_date_of_birth-day": "1",
                                          "other_date_of_birth-month": "2", "other_date_of_birth-year": "1950",
                                          "relationship": "Daughter, with power of attorney"}, status=200)
    person.answer("sar", "authority", {}, files={"authority": ("poa.pdf", io.BytesIO(b"%PDF-1.4\n%test\n"), "application/pdf")},
                  status=200)
    check = person.get("/request/sar/check")
    assert "passport.txt" in check.text and "Checking for viruses" in check.text and "27 March 1985" in check.text
    person.send("sar")
    reference = confirm_by_email(person)
    case = case_for(person, reference)
    assert reference.startswith("SAR-") and case.requester_address == "1 High Street\nTestshire\nTS1 1AA"
    assert [(name, description) for name, description, _status in attachments_of(person, reference)] == [
        ("passport.txt", "Answer to “Upload evidence of your identity”"),
        ("poa.pdf", "Answer to “Upload evidence that you can act for them”")]
    assert case.details["answers"]["date_of_birth"] == "1985-03-27" and case.requester_phone is None


def test_a_changed_answer_drops_the_pages_it_no_longer_needs(person: Requester) -> None:
    person.fill("sar", SAR_ANSWERS)
    person.answer("sar", "identity", {}, files={"identity": ("id.txt", io.BytesIO(b"id"), "text/plain")}, status=200)
    person.answer("sar", "acting_for", {"acting_for": "yes"}, status=200)
    # Change: back to the check page, as the pattern says, once nothing is missing.
    response = person.post("/request/sar/acting_for?change=1", {"acting_for": "no"}, follow=False)
    assert response.headers["location"] == "/request/sar/check"
    check = person.get("/request/sar/check")
    assert "Who are you asking for" not in check.text and "evidence that you can act for them" not in check.text.lower()
    # Saying yes again goes to the newly needed page first.
    response = person.post("/request/sar/acting_for?change=1", {"acting_for": "yes"}, follow=False)
    assert response.headers["location"] == "/request/sar/other_person?change=1"
    person.get("/request/sar/authority", status=200)


def test_complaint_and_enquiry_journeys(person: Requester) -> None:
    person.fill("complaint", [
        ("name", {"name": "Jo Smith"}), ("email", {"email": "jo@example.com"}),
        ("service", {"service": "Bin collections"}), ("what_happened", {"what_happened": "Missed three weeks."}),
        ("outcome", {"outcome": "Collect it."}), ("earlier_reference", {"earlier_reference": "COM-2025-00001"}),
    ])
    person.send("complaint")
    complaint = case_for(person, confirm_by_email(person))
    assert complaint.subject == "Complaint about Bin collections" and "Collect it." in complaint.description
    person.mail(2)  # the complaint's confirmation link and its acknowledgement, before the slate is wiped
    person.smtp.handler.reset()
    person.fill("enquiry", [("name", {"name": "Lee Brown"}), ("email", {"email": "lee@example.com"}),
                            ("subject", {"subject": "Parking permit"}), ("details", {"details": "How do I renew?"})])
    person.send("enquiry")
    enquiry = case_for(person, confirm_by_email(person))
    assert enquiry.subject == "Parking permit" and enquiry.description.startswith("How do I renew?")


def test_back_links_and_pages_out_of_order(person: Requester) -> None:
    page = person.get("/request/foi/email")
    assert 'href="/request/foi/name"' in page.text  # back to the previous page
    assert person.client.get("/request/foi/check", follow_redirects=False).headers["location"] == "/request/foi/name"
    person.fill("sar", SAR_ANSWERS[:1])
    skipped = person.client.get("/request/sar/authority", follow_redirects=False)
    assert skipped.status_code == 303 and skipped.headers["location"] == "/request/sar/previous_names"
    person.get("/request/nope", status=404, title="Page not found")
    person.get("/request/foi/nope", status=404, title="Page not found")


def test_every_built_in_form_keeps_the_rules_and_other_types_get_the_generic_form(db) -> None:
    assert set(BUILT_IN_FORMS) == {"foi", "eir", "sar", "complaint", "enquiry", "compliment"}
    licensing = CaseType(id=-1, key="licensing", name="Licensing query")  # not stored: no form row can match
    assert form_for(db, licensing) == generic_form("Licensing query")
    assert [p.key for p in generic_form("x").pages] == ["name", "email", "subject", "details"]


def _acting_for_someone(person: Requester) -> None:
    """The SAR pages for a request made on someone else's behalf, with the authority to act as a file."""
    person.answer("sar", "acting_for", {"acting_for": "yes"}, status=200)
    person.answer("sar", "other_person", {"other_name": "Jo Morgan", "other_date_of_birth-day": "1",
                                          "other_date_of_birth-month": "2", "other_date_of_birth-year": "1950",
                                          "relationship": "Daughter"}, status=200)
    person.answer("sar", "authority", {}, files={"authority": ("poa.txt", io.BytesIO(b"power of attorney"),
                                                               "text/plain")}, status=200)


def test_sar_evidence_becomes_a_clean_attachment_of_the_case(person: Requester, clamd_socket: str) -> None:
    """Defect 6: the identity evidence reaches the case; an upload that no longer applies does not linger."""
    person.fill("sar", SAR_ANSWERS)
    person.answer("sar", "identity", {}, files={"identity": ("passport.png", io.BytesIO(png()), "image/png")},
                  status=200)
    _acting_for_someone(person)
    # Not asking for someone else after all: their evidence is no longer part of the request.
    person.post("/request/sar/acting_for?change=1", {"acting_for": "no"}, follow=False)
    scanner = Runtime(dataclasses.replace(person.runtime.settings, clamd_socket=clamd_socket),
                      person.runtime.engine, person.runtime.factory)
    build_worker(scanner, SPECS).run_until_idle()  # the worker's virus scans, with a live clamd
    person.send("sar")
    reference = confirm_by_email(person)
    assert attachments_of(person, reference) == [
        ("passport.png", "Answer to “Upload evidence of your identity”", CLEAN)]
    with person.runtime.factory() as session:
        assert session.scalars(select(StoredFile.original_name)).all() == ["passport.png"]
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None and "files" not in case.details
        answers = {a["question"]: a["answer"] for a in case.details["form_answers"]}
        assert answers["Evidence of your identity"] == "passport.png"
        assert answers["Your date of birth"] == "27 March 1985"
        assert "Their full name" not in answers
        assert session.scalars(select(Draft)).one().answers == {}


def _upload_trails(person: Requester) -> list[list[AuditEvent]]:
    """Each upload's audit trail, in the order they were uploaded."""
    with person.runtime.factory() as session:
        uploaded = session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "file.uploaded")
                                   .order_by(AuditEvent.id)).all()
        trails = [audit.history(session, "file", file_id) for file_id in uploaded]
        session.expunge_all()
        return trails


def test_an_upload_that_never_reaches_a_case_keeps_nothing_of_its_sender_in_the_audit_log(person: Requester) -> None:
    person.fill("sar", SAR_ANSWERS)
    person.answer("sar", "identity", {}, files={"identity": ("Alex Morgan passport.txt", io.BytesIO(b"passport"),
                                                            "text/plain")}, status=200)
    person.answer("sar", "identity", {}, files={"identity": ("passport.txt", io.BytesIO(b"passport scan"),
                                                            "text/plain")}, status=200)  # replaces the first
    _acting_for_someone(person)
    person.post("/request/sar/acting_for?change=1", {"acting_for": "no"}, follow=False)  # poa.txt not sent
    replaced, kept, left_out = _upload_trails(person)
    assert all(e.ip == "testclient" for e in left_out if e.actor_type == "requester")  # in the draft still
    person.send("sar")
    reference = confirm_by_email(person)
    assert [name for name, _d, _s in attachments_of(person, reference)] == ["passport.txt"]

    replaced, kept, left_out = _upload_trails(person)
    for trail in (replaced, left_out):  # dropped: their sender is gone from the trail
        assert [e.action for e in trail] == ["file.uploaded", "audit.redacted"], [e.action for e in trail]
        uploaded, redaction = trail
        assert (uploaded.actor_type, uploaded.actor_label, uploaded.ip) == ("requester", audit.REDACTED_LABEL, None)
        assert uploaded.redacted_at is not None
        assert (redaction.actor_type, redaction.ip) == ("system", None)
    assert replaced[0].summary.startswith("Uploaded [redacted] passport.txt"), replaced[0].summary
    assert replaced[0].detail["name"] == "[redacted] passport.txt"
    assert "Alex" not in str([(e.summary, e.detail) for e in replaced + left_out])
    # The case's own evidence keeps its trail (retention redacts it when the case is destroyed).
    assert [(e.action, e.ip, e.redacted_at) for e in kept] == [("file.uploaded", "testclient", None)]
