"""Sending documents: only clean files of this case, a link with 256 bits emailed and kept as a digest."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.cases import events
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import NotificationSetting
from backoffice.releases import secrets
from backoffice.releases.models import Share, ShareFile
from backoffice.releases.sending import FileNotClean, preview
from backoffice.releases.state import LONDON, ShareStatus, status_of
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.files import StoredFile, file_path
from tests.backoffice.releases.conftest import Sharing


def test_a_share_copies_the_files_emails_the_link_and_keeps_only_digests(sharing: Sharing) -> None:
    attachment = sharing.attach("letter.txt")
    sent = sharing.send(attachment, message="Here is the information you asked for.")
    share = sent.share
    assert len(sent.token) == 43 and secrets.looks_like_token(sent.token)
    assert share.token_hash == secrets.digest(sent.token) and sent.token not in share.token_hash
    assert share.recipient == "sam@example.com" and "sam@example.com" not in share.email_hash
    assert secrets.email_matches(share.email_hash, "  SAM@example.COM ")
    [item] = sharing.db.scalars(select(ShareFile).where(ShareFile.share_id == share.id))
    assert item.file_id != attachment.file_id and item.name == "letter.txt"
    copy = file_path(sharing.settings.files_dir, item.file_id)
    original = file_path(sharing.settings.files_dir, attachment.file_id)
    assert copy.read_bytes() == original.read_bytes()
    [email] = sharing.emails_to("sam@example.com")
    assert f"/secure-share/s/{sent.token}" in email.body_text
    assert "Here is the information you asked for." in email.body_text and "1 document" in email.body_text
    assert status_of(share) == ShareStatus.SENT
    assert (share.expires_at - share.sent_at).days == 30


def test_the_token_is_in_no_job_or_audit_row(sharing: Sharing) -> None:
    from shared import jobs
    from shared.audit import AuditEvent

    sent = sharing.send()
    sharing.db.flush()
    texts = [str(j.payload) for j in sharing.db.scalars(select(jobs.Job))]
    texts += [f"{a.summary} {a.detail}" for a in sharing.db.scalars(select(AuditEvent))]
    assert not [t for t in texts if sent.token in t]


@pytest.mark.parametrize("status", ["quarantined", "infected"])
def test_a_file_not_passed_by_the_scan_cannot_be_sent(sharing: Sharing, status: str) -> None:
    attachment = sharing.attach("letter.txt", clean=False)
    stored = sharing.db.get(StoredFile, attachment.file_id)
    assert stored is not None
    stored.status = status
    with pytest.raises(FileNotClean) as refused:
        sharing.send(attachment)
    assert refused.value.status == 409 and "letter.txt" in refused.value.errors["attachment_ids"]
    assert sharing.db.scalar(select(Share.id)) is None


def test_a_scan_that_gave_up_blocks_sending(sharing: Sharing) -> None:
    attachment = sharing.attach("letter.txt", clean=False)
    stored = sharing.db.get(StoredFile, attachment.file_id)
    assert stored is not None
    stored.scan_error = "clamd unreachable"
    with pytest.raises(FileNotClean, match="could not check"):
        sharing.send(attachment)


def test_another_cases_attachment_is_refused_without_saying_so(sharing: Sharing) -> None:
    other = Sharing(sharing.office, sharing.settings, sharing.office.new_case("foi")).attach()
    with pytest.raises(InvalidInput) as refused:
        sharing.send(other)
    assert refused.value.errors == {"attachment_ids": "Select documents attached to this case"}


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (90, True), (91, False)])
def test_days_between_1_and_90(sharing: Sharing, days: int, ok: bool) -> None:
    if ok:
        assert sharing.send(days=days).share
    else:
        with pytest.raises(InvalidInput, match="between 1 and 90"):
            sharing.send(days=days)


def test_a_case_without_an_email_address_cannot_be_shared(sharing: Sharing) -> None:
    sharing.case.requester_email = None
    with pytest.raises(InvalidInput, match="email address"):
        sharing.send()


def test_a_reader_cannot_send(sharing: Sharing) -> None:
    from backoffice.releases.sending import ShareRequest, send_documents

    attachment = sharing.attach()
    reader = sharing.office.reader
    with pytest.raises(PermissionDenied):
        send_documents(sharing.db, sharing.settings, sharing.office.actor(reader), reader, sharing.case,
                       ShareRequest(attachment_ids=[attachment.id], days=30))


def test_the_link_email_switched_off_stops_sending_rather_than_sending_nothing(sharing: Sharing) -> None:
    sharing.db.add(NotificationSetting(case_type_id=sharing.case.case_type_id, notice=Notice.SHARE_LINK.value,
                                       enabled=False))
    sharing.db.flush()
    with pytest.raises(Conflict, match="switched off"):
        sharing.send()


def test_the_response_records_the_response_date_once(sharing: Sharing) -> None:
    heard: list[events.ResponseSent] = []

    def hear(_session: object, event: events.ResponseSent) -> None:
        heard.append(event)

    events.subscribe(events.ResponseSent, hear)
    try:
        first = sharing.send(is_response=True)
        on = first.share.sent_at.astimezone(LONDON).date()
        assert sharing.case.responded_on == on and [e.on for e in heard] == [on]
        sharing.send(is_response=True)
        assert len(heard) == 1
    finally:
        events.unsubscribe(events.ResponseSent, hear)


def test_a_share_that_is_not_the_response_leaves_the_date_alone(sharing: Sharing) -> None:
    sharing.send()
    assert sharing.case.responded_on is None


def test_preview_shows_the_email_without_a_link(sharing: Sharing) -> None:
    from backoffice.releases.sending import ShareRequest

    attachment = sharing.attach()
    user = sharing.office.caseworker
    subject, body = preview(sharing.db, sharing.settings, user, sharing.case,
                            ShareRequest(attachment_ids=[attachment.id], days=7, message="With thanks"))
    assert sharing.case.reference in subject and "With thanks" in body
    assert re.search(r"/secure-share/s/…", body)
    assert sharing.db.scalar(select(Share.id)) is None and not sharing.emails_to("sam@example.com")
