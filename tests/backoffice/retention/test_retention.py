"""Retention: what is due, the manager's approval, the destruction (statistics kept) and the legal hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseAttachment, CaseType, StatusKind
from backoffice.cases.timeline import timeline
from backoffice.intake.new_cases import NewAttachment, NewCase, Requester, create_case
from backoffice.releases import access
from backoffice.releases.models import Share, ShareFile
from backoffice.retention import destruction, reviews, schedule
from backoffice.retention.models import DONE
from shared import audit, jobs
from shared.audit import SYSTEM, AuditEvent
from shared.db import transaction
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.files import storage, store_upload
from shared.mail.models import OutboxMessage
from shared.settings import Settings
from tests.backoffice.releases.conftest import Sharing
from tests.factories import Office

TODAY = dt.date(2026, 12, 3)


def _closed(office: Office, kind: str, closed_on: dt.date, case: Case | None = None) -> Case:
    case = case or office.new_case(kind, requester=Requester(name="Sam Jones", email="sam@example.com"))
    closed = next(s for s in case.case_type.statuses if s.kind == StatusKind.CLOSED)
    case.status_id = closed.id
    case.status = closed
    case.outcome = "granted_in_full" if kind == "foi" else case.outcome
    case.closed_at = dt.datetime.combine(closed_on, dt.time(12), dt.UTC)
    office.db.flush()
    return case


def _period(db: Session, key: str, months: int | None) -> None:
    case_type = db.scalar(select(CaseType).where(CaseType.key == key))
    assert case_type is not None
    schedule.set_retention(db, SYSTEM, case_type, months)


def test_what_is_due_follows_each_types_period_and_the_hold(office: Office) -> None:
    db = office.db
    _period(db, "sar", 12)
    _period(db, "foi", 36)
    old_sar = _closed(office, "sar", dt.date(2025, 11, 2))
    _closed(office, "sar", dt.date(2025, 12, 4))  # 12 months ago tomorrow: not yet
    held = _closed(office, "sar", dt.date(2025, 1, 10))
    schedule.place_hold(db, SYSTEM, held, "Tribunal appeal EA/2026/0001")
    _closed(office, "foi", dt.date(2024, 1, 5))  # 35 months
    old_foi = _closed(office, "foi", dt.date(2023, 11, 1))
    office.new_case("sar")  # open: never due
    assert [c.reference for c in schedule.due_cases(db, TODAY)] == [old_foi.reference, old_sar.reference]
    with pytest.raises(InvalidInput):
        schedule.parse_months("0")
    assert schedule.parse_months(" ") is None and schedule.parse_months("36") == 36


def test_approved_reviews_destroy_personal_data_and_files_and_keep_the_statistics(
        office: Office, settings: Settings) -> None:
    db = office.db
    _period(db, "sar", 12)
    case = office.new_case("sar", requester=Requester(name="Sam Jones", email="sam.jones@example.com"))
    sharing = Sharing(office, settings, case)
    attachment = sharing.attach()
    sharing.send(attachment)
    _closed(office, "sar", dt.date(2025, 6, 1), case)
    file_id = attachment.file_id
    assert storage.file_path(settings.files_dir, file_id).exists()
    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all()
    assert mails
    received, closed_at = case.received_on, case.closed_at

    review = reviews.prepare_review(db, SYSTEM, TODAY)
    assert review is not None and [i.reference for i in reviews.items_of(db, review)] == [case.reference]
    assert reviews.prepare_review(db, SYSTEM, TODAY) is None  # one open review at a time
    with pytest.raises(PermissionDenied):
        reviews.approve(db, SYSTEM, office.caseworker, review)
    reviews.approve(db, SYSTEM, office.manager, review)
    assert db.scalar(select(jobs.Job.kind).where(jobs.Job.kind == reviews.DESTROY_JOB)) == reviews.DESTROY_JOB
    with pytest.raises(Conflict):
        reviews.approve(db, SYSTEM, office.manager, review)

    reviews.destroy_some(db, settings, SYSTEM, review)
    assert review.status == DONE
    db.refresh(case)
    assert case.requester_name == destruction.DESTROYED and case.requester_email is None
    assert case.description == "" and "sam" not in case.subject.lower()
    assert (case.received_on, case.closed_at, case.reference) == (received, closed_at, case.reference)
    assert db.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)).all() == []
    assert db.scalars(select(Share).where(Share.case_id == case.id)).all() == []
    assert not storage.file_path(settings.files_dir, file_id).exists()
    for mail in db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)):
        assert "Sam" not in mail.body_text and mail.to_address == "destroyed@invalid"
    entry = db.scalar(select(AuditEvent).where(AuditEvent.action == "case.destroyed"))
    assert entry is not None and entry.object_id == case.reference
    assert schedule.due_cases(db, TODAY) == []


def test_a_hold_placed_after_approval_keeps_the_case_and_says_why(office: Office, settings: Settings) -> None:
    db = office.db
    _period(db, "sar", 12)
    case = _closed(office, "sar", dt.date(2025, 6, 1))
    review = reviews.prepare_review(db, SYSTEM, TODAY)
    assert review is not None
    reviews.approve(db, SYSTEM, office.manager, review)
    schedule.place_hold(db, SYSTEM, case, "Complaint to the ICO pending")
    reviews.destroy_some(db, settings, SYSTEM, review)
    item = reviews.items_of(db, review)[0]
    assert item.destroyed_at is None and item.skipped == "Legal hold: Complaint to the ICO pending"
    assert case.requester_name == "Sam Jones"
    schedule.lift_hold(db, SYSTEM, case)
    with pytest.raises(Conflict):
        schedule.lift_hold(db, SYSTEM, case)
    assert [(r.id, n, d) for r, n, d in reviews.reviews(db)] == [(review.id, 1, 0)]


IP = "198.51.100.23"


def _audit_text(db: Session) -> str:
    """Every value of every audit entry, as text: what a search of the table would find."""
    return " ".join(str(value) for row in db.execute(text("SELECT * FROM audit_events")) for value in row).lower()


def test_destruction_takes_the_requester_out_of_the_audit_trail_and_keeps_every_entry(
        office: Office, settings: Settings) -> None:
    db = office.db
    _period(db, "sar", 12)
    online = audit.Actor(type="requester", label="member of the public", ip=IP, request_id="req-1")
    upload = store_upload(db, settings, online, filename="Sam Jones ID.txt", stream=io.BytesIO(b"Sam Jones\n"))
    case = create_case(db, online, NewCase(case_type="sar", subject="My records",
                                           description="Everything about Sam Jones",
                                           requester=Requester(name="Sam Jones", email="Sam.Jones@Example.com"),
                                           attachments=(NewAttachment(upload.id, "Proof of identity"),)))
    sharing = Sharing(office, settings, case)
    sent = sharing.send(sharing.attach(name="Sam Jones letter.txt"))
    assert access.confirm_email(db, sent.token, "wrong@example.com", ip=IP, device="Firefox").error
    assert access.confirm_email(db, sent.token, "sam.jones@example.com", ip=IP, device="Firefox").session_token
    item = db.scalars(select(ShareFile).where(ShareFile.share_id == sent.share.id)).one()
    access.record_download(db, sent.share.id, item.id, bytes_sent=item.size, complete=True, device="Firefox", ip=IP)
    _closed(office, "sar", dt.date(2025, 6, 1), case)
    db.flush()
    before = _audit_text(db)
    assert "sam.jones@example.com" in before and IP in before and "sam jones" in before  # what there was to take out
    kept = {(e.id, e.occurred_at, e.action, e.actor_type) for e in db.scalars(select(AuditEvent))}
    staff_entries = {e.id: e.actor_label
                     for e in db.scalars(select(AuditEvent).where(AuditEvent.actor_type == "staff"))}

    destruction.destroy_case(db, settings, SYSTEM, case)
    db.flush()
    db.expire_all()
    after = _audit_text(db)
    for personal in ("sam.jones@example.com", "sam jones", IP):
        assert personal not in after
    entries = list(db.scalars(select(AuditEvent)))
    assert kept <= {(e.id, e.occurred_at, e.action, e.actor_type) for e in entries}  # every entry is still there
    added = sorted(e.action for e in entries if e.id not in {k[0] for k in kept})
    assert added[-1] == "case.destroyed" and set(added[:-1]) == {"audit.redacted"}
    assert {e.id: e.actor_label for e in entries if e.id in staff_entries} == staff_entries  # by whom
    requesters = [e for e in audit.history(db, "case", case.reference) if e.actor_type == "requester"]
    assert {e.action for e in requesters} >= {"case.created", "case.attachment_added", "case.share_signed_in",
                                              "case.share_file_downloaded", "case.share_confirmation_failed"}
    uploaded = audit.history(db, "file", upload.id)  # the requester's upload keeps its trail too, redacted
    assert uploaded[0].action == "file.uploaded" and "[redacted]" in uploaded[0].summary
    requesters += [e for e in uploaded if e.actor_type == "requester"]
    assert all(e.actor_label == audit.REDACTED_LABEL and e.ip is None and e.redacted_at for e in requesters)

    shown = timeline(db, case)  # the staff's reading of the trail still works, and still says what happened
    assert shown[0].action == "case.destroyed" and "case.share_signed_in" in {e.action for e in shown}
    assert "requester" in {e.who for e in shown} and office.caseworker.email in {e.who for e in shown}
    with pytest.raises(audit.AlreadyRedacted):
        audit.redact(db, SYSTEM, "case", case.reference, ["Sam Jones"])


def test_the_database_still_refuses_to_change_a_destroyed_cases_trail(site: Office, settings: Settings) -> None:
    """Raw SQL after destruction, committed: no further UPDATE of the redacted entries, and no DELETE at all."""
    with transaction(site.factory) as session:
        case = _closed(dataclasses.replace(site, session=session), "sar", dt.date(2025, 6, 1))
        reference = case.reference
        destruction.destroy_case(session, settings, SYSTEM, case)
    for statement in ("UPDATE audit_events SET summary = 'tampered', redacted_at = CURRENT_TIMESTAMP",
                      "UPDATE audit_events SET actor_label = 'requester', ip = NULL WHERE redacted_at IS NOT NULL",
                      "DELETE FROM audit_events WHERE object_id = :ref"):
        with site.factory() as session, pytest.raises(DBAPIError, match="append-only"), session.begin():
            session.execute(text(statement), {"ref": reference})
    with site.factory() as session:
        redacted = session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.object_id == reference, AuditEvent.redacted_at.is_not(None)))
        assert redacted is not None and redacted >= 1
