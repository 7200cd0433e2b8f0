"""Server-side drafts: the answers of one form, found through a random key in the signed session cookie.

The cookie holds only ``{case type: draft key}``; a stolen database gives no
usable key (only digests are stored). A draft untouched for 24 hours is
deleted by the ``capture.purge_drafts`` job, with any files uploaded to it.

An upload that never becomes part of a case (replaced, no longer asked for, or left in a draft) is
deleted with its row, and the audit trail of it loses the requester: the address and label its entries
recorded, and the draft's answers wherever they appear (a file named after its sender). They were kept to
account for what came in through the form; once the file is gone for good nobody needs to know who sent
it, so nothing personal outlives it. The trail still says that a file came in, was scanned and dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import MutableMapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backoffice.public import file_in_a_case
from capture.models import Draft
from shared import audit, jobs, links
from shared.db import utcnow
from shared.files import StoredFile, file_path
from shared.files.service import OBJECT_TYPE as FILE_OBJECT

log = logging.getLogger(__name__)

LIFETIME = dt.timedelta(hours=24)
SESSION_KEY = "capture_drafts"
PURGE_JOB = "capture.purge_drafts"
#: The purposes of capture's emailed links: to confirm a draft's address, to see a case's progress.
CONFIRM = "capture.confirm"
PROGRESS = "capture.progress"
_SUBJECT = "draft:"
#: Who redacts a dropped upload's trail: the service, never the requester whose address the redaction's
#: own entry would otherwise keep.
DROPPED_BY = audit.Actor(type="system", label="draft uploads clean-up")


def link_subject(draft_id: int) -> str:
    """The draft as the subject of its confirmation links."""
    return f"{_SUBJECT}{draft_id}"


def draft_of(session: Session, link: links.EmailLink) -> Draft | None:
    """The draft a confirmation link was sent for, if it still exists."""
    if link.purpose != CONFIRM or not link.subject.startswith(_SUBJECT):
        return None
    number = link.subject.removeprefix(_SUBJECT)
    return session.get(Draft, int(number)) if number.isdigit() else None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load(session: Session, cookie: MutableMapping[str, Any], type_key: str) -> Draft | None:
    """This browser's live, unsent draft for the type, if any."""
    keys = cookie.get(SESSION_KEY)
    key = keys.get(type_key) if isinstance(keys, dict) else None
    if not isinstance(key, str) or not key:
        return None
    draft = session.scalar(select(Draft).where(Draft.key_hash == _digest(key)))
    if draft is None or draft.case_reference is not None or expired(draft):
        return None
    return draft


def load_or_start(session: Session, cookie: MutableMapping[str, Any], type_key: str) -> Draft:
    draft = load(session, cookie, type_key)
    if draft is not None:
        return draft
    key = secrets.token_urlsafe(32)
    draft = Draft(key_hash=_digest(key), case_type_key=type_key, answers={}, created_at=utcnow(), updated_at=utcnow())
    session.add(draft)
    session.flush()
    keys = dict(cookie.get(SESSION_KEY) or {})
    keys[type_key] = key
    cookie[SESSION_KEY] = keys
    return draft


def expired(draft: Draft, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) - draft.updated_at >= LIFETIME


def seconds_left(draft: Draft | None) -> int:
    if draft is None:
        return int(LIFETIME.total_seconds())
    return max(0, int((draft.updated_at + LIFETIME - utcnow()).total_seconds()))


def save(session: Session, draft: Draft, answers: dict[str, Any], *, email_key: str | None) -> list[str]:
    """Merge a page's answers; return the ids of files the new answers replaced (to delete).

    A link proves only the address it was sent to, so a changed answer to the
    email question (``email_key``) stops every link already sent for the draft.
    """
    replaced = [old["id"] for key, new in answers.items()
                if isinstance(old := draft.answers.get(key), dict) and "id" in old
                and (not isinstance(new, dict) or new.get("id") != old["id"])]
    if email_key is not None and email_key in answers and answers[email_key] != draft.answers.get(email_key):
        links.revoke(session, CONFIRM, link_subject(draft.id))
        draft.email = None
    draft.answers = {**draft.answers, **answers}
    draft.updated_at = utcnow()
    return replaced


def touch(draft: Draft) -> None:
    draft.updated_at = utcnow()


def file_ids(answers: dict[str, Any]) -> list[str]:
    return [str(v["id"]) for v in answers.values() if isinstance(v, dict) and isinstance(v.get("id"), str)]


def personal_values(answers: dict[str, Any]) -> list[str]:
    """The draft's typed answers (name, email, address...): what a dropped upload's trail must not keep."""
    return [value for value in answers.values() if isinstance(value, str)]


def delete_files(session: Session, files_dir: Any, ids: list[str], personal: list[str] | None = None) -> None:
    """Remove uploads nobody will send (a replaced or abandoned file), unless a case holds them, and take
    the requester out of their audit trail (``audit.redact``: the address and label of the upload's entry,
    and each of ``personal``, the draft's answers, wherever they appear). A case's file keeps its trail
    until retention destroys the case, which redacts it then."""
    for file_id in ids:
        if file_in_a_case(session, file_id):
            continue
        stored = session.get(StoredFile, file_id)
        if stored is not None:
            session.delete(stored)
            audit.redact(session, DROPPED_BY, FILE_OBJECT, file_id, personal or ())
        try:
            file_path(files_dir, file_id).unlink(missing_ok=True)
        except ValueError:
            continue


def purge(session: Session, files_dir: Any, now: dt.datetime | None = None) -> int:
    """Delete drafts untouched for 24 hours, their links, and files of drafts never sent."""
    cutoff = (now or utcnow()) - LIFETIME
    old = list(session.scalars(select(Draft).where(Draft.updated_at < cutoff)))
    for draft in old:
        if draft.case_reference is None:
            delete_files(session, files_dir, file_ids(draft.answers), personal_values(draft.answers))
    ids = [d.id for d in old]
    if ids:
        links.delete_for(session, [link_subject(i) for i in ids])
        session.execute(delete(Draft).where(Draft.id.in_(ids)))
    links.delete_expired(session, PROGRESS, cutoff)
    return len(ids)


def handle_purge(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    removed = purge(session, context.settings.files_dir)
    if removed:
        log.info("deleted %s draft(s) left for 24 hours", removed)


JOB_KINDS = {PURGE_JOB: jobs.JobKind(handle=handle_purge)}
