"""Destroying one case's personal data and files, keeping what the statistics count.

Kept: the reference, type, team, dates, status, outcome, exemptions, clock events and tasks' titles, so
every report still counts the case. Destroyed: the requester's name and contact details, the subject and
description, the form's answers, notes, task descriptions, attachments and shares (rows and bytes), and the
bodies of the emails sent about it. The audit log keeps every entry, so the trail still says what happened,
when and by which member of staff, but its one allowed change (``audit.redact``) takes the requester out of
the case's entries and its files': a requester's email address as the actor and IP address go, and the
requester's details (and every address a share went to) are removed from summaries and details. A published
response stays published: it was redacted for the public.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseAttachment, CaseNote, Task
from backoffice.releases.models import Share, ShareFile
from shared import audit
from shared.db import utcnow
from shared.files import StoredFile, storage
from shared.files.service import OBJECT_TYPE as FILE_OBJECT
from shared.mail.models import OutboxMessage
from shared.settings import Settings

DESTROYED = "Destroyed under the retention schedule"


def destroy_case(session: Session, settings: Settings, actor: audit.Actor, case: Case) -> int:
    """Returns how many stored files went."""
    file_ids = set(session.scalars(select(CaseAttachment.file_id).where(CaseAttachment.case_id == case.id)))
    share_ids = list(session.scalars(select(Share.id).where(Share.case_id == case.id)))
    personal = {case.requester_name, case.requester_email, case.requester_phone, case.requester_address,
                *session.scalars(select(Share.recipient).where(Share.case_id == case.id))}
    if share_ids:
        file_ids |= set(session.scalars(select(ShareFile.file_id).where(ShareFile.share_id.in_(share_ids))))
        session.execute(delete(Share).where(Share.id.in_(share_ids)))
    session.execute(delete(CaseAttachment).where(CaseAttachment.case_id == case.id))
    session.execute(delete(CaseNote).where(CaseNote.case_id == case.id))
    session.execute(update(Task).where(Task.case_id == case.id).values(description=""))
    session.execute(update(OutboxMessage).where(OutboxMessage.related_type == "case",
                                                OutboxMessage.related_id == case.reference)
                    .values(body_text=DESTROYED, to_address="destroyed@invalid", subject=f"{case.reference}: {DESTROYED}"))
    case.requester_name = DESTROYED
    case.requester_email = case.requester_phone = case.requester_address = None
    case.subject = f"{case.case_type.name} ({DESTROYED.lower()})"
    case.description = ""
    case.details = {}
    case.destroyed_at = case.updated_at = utcnow()
    session.flush()
    gone = 0
    for file_id in sorted(file_ids):
        if _forget_file(session, file_id):
            storage.remove(settings.files_dir, file_id)
            gone += 1
    audit.redact(session, actor, "case", case.reference, personal)
    for file_id in sorted(file_ids):  # a requester's upload names its uploader, and its address
        audit.redact(session, actor, FILE_OBJECT, file_id, personal)
    audit.record(session, actor, "case.destroyed", "case", case.reference,
                 f"Personal data and {gone} file{'s' if gone != 1 else ''} destroyed under the retention schedule")
    return gone


def _forget_file(session: Session, file_id: str) -> bool:
    """The stored file's row, unless something else still holds it (a published document's own copy does not)."""
    try:
        with session.begin_nested():
            session.execute(delete(StoredFile).where(StoredFile.id == file_id))
    except IntegrityError:
        return False
    return True
