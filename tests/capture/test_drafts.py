"""Server-side drafts (capture/drafts.py): found by the cookie's key, merged, expired and purged with their links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from capture import drafts
from capture.models import Draft
from shared import audit, links
from shared.db import utcnow
from shared.files import StoredFile, file_path


def _stored(session: Session, files_dir: Path, name: str = "a.pdf") -> StoredFile:
    stored = StoredFile(original_name=name, content_type="application/pdf", size=3, sha256="0" * 64,
                        uploaded_by="member of the public")
    session.add(stored)
    session.flush()
    path = file_path(files_dir, stored.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"pdf")
    return stored


def test_a_draft_is_found_again_only_through_its_cookie(db: Session) -> None:
    cookie: dict[str, Any] = {}
    draft = drafts.load_or_start(db, cookie, "foi")
    key = cookie[drafts.SESSION_KEY]["foi"]
    assert draft.key_hash != key and len(draft.key_hash) == 64  # only the digest is stored
    assert drafts.load(db, cookie, "foi") is draft
    assert drafts.load_or_start(db, cookie, "foi") is draft
    assert drafts.load(db, {drafts.SESSION_KEY: {"foi": "forged"}}, "foi") is None
    assert drafts.load(db, {drafts.SESSION_KEY: "not a dict"}, "foi") is None
    assert drafts.load(db, cookie, "sar") is None


def test_a_sent_or_expired_draft_is_not_loaded(db: Session) -> None:
    cookie: dict[str, Any] = {}
    draft = drafts.load_or_start(db, cookie, "foi")
    draft.updated_at = utcnow() - drafts.LIFETIME
    assert drafts.expired(draft) and drafts.load(db, cookie, "foi") is None
    drafts.touch(draft)
    assert drafts.load(db, cookie, "foi") is draft
    draft.case_reference = "FOI-2026-00001"
    assert drafts.load(db, cookie, "foi") is None


def test_seconds_left_counts_down_from_the_last_touch(db: Session) -> None:
    assert drafts.seconds_left(None) == int(drafts.LIFETIME.total_seconds())
    draft = drafts.load_or_start(db, {}, "foi")
    draft.updated_at = utcnow() - dt.timedelta(hours=23)
    assert 3590 <= drafts.seconds_left(draft) <= 3600
    draft.updated_at = utcnow() - dt.timedelta(days=2)
    assert drafts.seconds_left(draft) == 0


def test_saving_merges_answers_and_names_the_files_replaced(db: Session) -> None:
    draft = drafts.load_or_start(db, {}, "foi")
    assert drafts.save(db, draft, {"name": "Sam", "proof": {"id": "f1", "name": "a.pdf"}}, email_key=None) == []
    replaced = drafts.save(db, draft, {"proof": {"id": "f2", "name": "b.pdf"}}, email_key=None)
    assert replaced == ["f1"] and draft.answers == {"name": "Sam", "proof": {"id": "f2", "name": "b.pdf"}}
    assert drafts.save(db, draft, {"proof": ""}, email_key=None) == ["f2"]
    assert drafts.file_ids({"a": {"id": "x"}, "b": "text", "c": {"id": 3}}) == ["x"]


def test_a_changed_email_answer_stops_the_links_already_sent(db: Session) -> None:
    draft = drafts.load_or_start(db, {}, "foi")
    drafts.save(db, draft, {"email": "sam@example.com"}, email_key="email")
    draft.email = "sam@example.com"
    token = links.issue(db, drafts.CONFIRM, drafts.link_subject(draft.id), "sam@example.com")
    drafts.save(db, draft, {"email": "sam@example.com", "name": "Sam"}, email_key="email")  # unchanged: kept
    assert links.find(db, drafts.CONFIRM, token)
    drafts.save(db, draft, {"email": "alex@example.com"}, email_key="email")
    assert draft.email is None
    with pytest.raises(links.LinkInvalid) as caught:
        links.find(db, drafts.CONFIRM, token)
    assert caught.value.problem is links.Problem.REPLACED


def test_a_confirmation_link_leads_back_to_its_draft(db: Session) -> None:
    draft = drafts.load_or_start(db, {}, "foi")
    token = links.issue(db, drafts.CONFIRM, drafts.link_subject(draft.id), "sam@example.com")
    assert drafts.draft_of(db, links.find(db, drafts.CONFIRM, token)) is draft
    other = links.issue(db, drafts.PROGRESS, drafts.link_subject(draft.id), "sam@example.com")
    assert drafts.draft_of(db, links.find(db, drafts.PROGRESS, other)) is None  # another purpose's subject
    odd = links.issue(db, drafts.CONFIRM, "draft:not-a-number", "sam@example.com")
    assert drafts.draft_of(db, links.find(db, drafts.CONFIRM, odd)) is None


def test_deleting_files_removes_the_row_and_the_file(db: Session, tmp_path: Path) -> None:
    stored = _stored(db, tmp_path)
    drafts.delete_files(db, tmp_path, [stored.id, "not-a-file-id/../x"])
    db.flush()
    assert db.get(StoredFile, stored.id) is None and not file_path(tmp_path, stored.id).exists()


def test_purge_deletes_old_drafts_their_links_and_unsent_files(db: Session, tmp_path: Path) -> None:
    old, live = drafts.load_or_start(db, {}, "foi"), drafts.load_or_start(db, {}, "sar")
    stored = _stored(db, tmp_path)
    drafts.save(db, old, {"proof": {"id": stored.id, "name": "a.pdf"}}, email_key=None)
    old_link = links.issue(db, drafts.CONFIRM, drafts.link_subject(old.id), "sam@example.com")
    live_link = links.issue(db, drafts.CONFIRM, drafts.link_subject(live.id), "sam@example.com")
    progress = links.issue(db, drafts.PROGRESS, "case:FOI-2026-00001", "sam@example.com", per_address=True)
    old.updated_at = utcnow() - dt.timedelta(hours=25)
    db.flush()
    assert drafts.purge(db, tmp_path) == 1
    assert set(db.scalars(select(Draft.id))) == {live.id}
    assert db.get(StoredFile, stored.id) is None
    remaining = set(db.scalars(select(links.EmailLink.token_hash)))
    assert remaining == {links.digest(live_link), links.digest(progress)} and links.digest(old_link) not in remaining
    assert drafts.purge(db, tmp_path, now=utcnow() + dt.timedelta(days=3)) == 1  # the progress link goes too
    assert set(db.scalars(select(links.EmailLink.id))) == set()


def test_purging_a_drafts_upload_takes_its_sender_out_of_the_audit_log(db: Session, tmp_path: Path) -> None:
    draft = drafts.load_or_start(db, {}, "sar")
    stored = _stored(db, tmp_path, name="Sam Jones ID.pdf")
    sender = audit.Actor(type="requester", label="member of the public", ip="203.0.113.9", request_id="r-1")
    audit.record(db, sender, "file.uploaded", "file", stored.id, "Uploaded Sam Jones ID.pdf (PDF, 3 bytes)",
                 {"name": "Sam Jones ID.pdf"})
    audit.record(db, audit.SYSTEM, "file.scanned_clean", "file", stored.id, "No virus found")
    drafts.save(db, draft, {"name": "Sam Jones", "identity": {"id": stored.id, "name": "Sam Jones ID.pdf"}},
                email_key=None)
    draft.updated_at = utcnow() - dt.timedelta(hours=25)
    db.flush()
    assert drafts.purge(db, tmp_path) == 1
    trail = audit.history(db, "file", stored.id)
    assert [(e.action, e.actor_type, e.actor_label, e.ip) for e in trail] == [
        ("file.uploaded", "requester", audit.REDACTED_LABEL, None),
        ("file.scanned_clean", "system", "system", None),
        ("audit.redacted", "system", drafts.DROPPED_BY.label, None)]
    assert trail[0].summary == "Uploaded [redacted] ID.pdf (PDF, 3 bytes)" and trail[0].detail == {
        "name": "[redacted] ID.pdf"}
    assert all(e.redacted_at is not None for e in trail[:2])
    assert db.get(StoredFile, stored.id) is None
