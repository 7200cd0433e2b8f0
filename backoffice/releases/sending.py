"""Sending documents securely: a share of a case's clean attachments, emailed to the requester as a link.

The share gets its own copies of the attachments (``shared.files.copies``), so the worker can delete the
share's bytes when it ends while the case keeps its record of what was sent. A file is offered only once
ClamAV has passed it; one still being checked, infected, or whose scan failed stops the whole share (fail
closed). The link's token is made here, put in the email, and kept only as a digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.access import Action, require
from backoffice.cases.models import Case, CaseAttachment
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import case_context, is_enabled, notify, render, template_for
from backoffice.releases import history, secrets
from backoffice.releases.history import Happened
from backoffice.releases.models import Share, ShareFile
from backoffice.releases.state import LONDON, MAX_DAYS, MAX_FILES, MIN_DAYS, expiry_for, london_when
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.apps import public_url
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput
from shared.files import CLEAN, StoredFile, scan_status_message
from shared.files.copies import clean_copy
from shared.settings import Settings

#: The name Secure Share declares for its link page (``AppSpec.public_paths``); the token follows it.
SHARE_PAGE = "secure-share-link"
MESSAGE_LIMIT = 2000
OBJECT = "case"


class FileNotClean(Conflict):
    title = "A file has not passed the virus scan"


@dataclass(frozen=True)
class ShareRequest:
    attachment_ids: Sequence[int]
    days: int
    message: str = ""
    is_response: bool = False


@dataclass(frozen=True)
class Sent:
    share: Share
    #: The link's secret, to show nowhere: it went in the email.
    token: str


def share_url(settings: Settings, token: str) -> str:
    return public_url(settings, SHARE_PAGE).rstrip("/") + "/" + token


def _validate(request: ShareRequest, case: Case) -> tuple[list[int], str]:
    errors: dict[str, str] = {}
    ids = list(dict.fromkeys(int(i) for i in request.attachment_ids))
    if not ids:
        errors["attachment_ids"] = "Select the documents to send"
    elif len(ids) > MAX_FILES:
        errors["attachment_ids"] = f"Select {MAX_FILES} documents or fewer"
    if not MIN_DAYS <= request.days <= MAX_DAYS:
        errors["days"] = f"Number of days must be between {MIN_DAYS} and {MAX_DAYS}"
    message = request.message.strip()
    if len(message) > MESSAGE_LIMIT:
        errors["message"] = f"Message must be {MESSAGE_LIMIT} characters or fewer"
    if not case.requester_email:
        errors["recipient"] = "Add the requester's email address to the case before sending documents securely"
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors)
    return ids, message


def _clean_attachments(session: Session, case: Case, ids: list[int]) -> list[tuple[CaseAttachment, StoredFile]]:
    rows = {a.id: (a, f) for a, f in session.execute(
        select(CaseAttachment, StoredFile).join(StoredFile, StoredFile.id == CaseAttachment.file_id)
        .where(CaseAttachment.case_id == case.id, CaseAttachment.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:  # another case's attachment, or none at all: the same answer, saying nothing of the other case
        raise InvalidInput("Select documents attached to this case",
                           {"attachment_ids": "Select documents attached to this case"})
    for attachment_id in ids:
        _attachment, stored = rows[attachment_id]
        if stored.status != CLEAN:
            raise FileNotClean(f"{stored.original_name}: {scan_status_message(stored)}",
                               {"attachment_ids": f"{stored.original_name} cannot be sent: "
                                                  f"{scan_status_message(stored).lower()}"})
    return [rows[i] for i in ids]


def _files_in_words(count: int) -> str:
    return f"{count} document{'s' if count != 1 else ''}"


def email_wording(session: Session, settings: Settings, case: Case, *, link: str, expires_at: dt.datetime,
                  file_count: int, message: str, link_sent_at: dt.datetime | None = None) -> tuple[str, str]:
    """The link email's subject and body as the requester will read them (the preview shows it too)."""
    template = template_for(session, case.case_type_id, Notice.SHARE_LINK)
    context = case_context(session, settings, case, **_share_context(link, expires_at, file_count, message,
                                                                     link_sent_at or utcnow()))
    return render(template.subject, context), render(template.body, context)


def _share_context(link: str, expires_at: dt.datetime, file_count: int, message: str,
                   link_sent_at: dt.datetime) -> dict[str, str]:
    return {"share_url": link, "expires_at": london_when(expires_at), "file_count": _files_in_words(file_count),
            "message": message, "link_sent_on": link_sent_at.astimezone(LONDON).strftime("%-d %B %Y")}


def share_context(share: Share, file_count: int, link: str = "") -> dict[str, str]:
    return _share_context(link, share.expires_at, file_count, share.message, share.link_sent_at)


def preview(session: Session, settings: Settings, user: StaffUser, case: Case, request: ShareRequest) -> tuple[str, str]:
    """The email the requester would get, with the link shown as a placeholder (it is made on sending)."""
    require(session, user, case, Action.SEND_DOCUMENTS)
    ids, message = _validate(request, case)
    _clean_attachments(session, case, ids)
    return email_wording(session, settings, case, link=share_url(settings, "…"),
                         expires_at=expiry_for(utcnow(), request.days), file_count=len(ids), message=message)


def _require_link_email(session: Session, case: Case) -> None:
    if not is_enabled(session, case.case_type_id, Notice.SHARE_LINK):
        raise Conflict("The email that sends the link is switched off for this case type. "
                       "Switch it on in Notifications to send documents securely")


def send_link(session: Session, settings: Settings, case: Case, share: Share, token: str, file_count: int) -> None:
    """Email the link, rendered now: the token goes into the outbox message and nowhere else (no job payload)."""
    notify(session, settings, Notice.SHARE_LINK, case, [share.recipient],
           **share_context(share, file_count, share_url(settings, token)))


def send_documents(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case,
                   request: ShareRequest) -> Sent:
    """Make the share, copy its files, email the link, and, when it is the response, record the response date."""
    require(session, user, case, Action.SEND_DOCUMENTS)
    ids, message = _validate(request, case)
    chosen = _clean_attachments(session, case, ids)
    _require_link_email(session, case)
    assert case.requester_email is not None  # _validate refused a case without one
    token = secrets.new_token()
    now = utcnow()
    share = Share(case_id=case.id, recipient=secrets.normalise_email(case.requester_email),
                  email_hash=secrets.hash_email(case.requester_email), token_hash=secrets.digest(token),
                  message=message, is_response=request.is_response, sent_by=user.name, sent_by_user_id=user.id,
                  sent_at=now, link_sent_at=now, expires_at=expiry_for(now, request.days))
    session.add(share)
    session.flush()
    for position, (attachment, stored) in enumerate(chosen):
        copy = clean_copy(session, settings, actor, stored, field="attachment_ids")
        session.flush()
        session.add(ShareFile(share_id=share.id, attachment_id=attachment.id, file_id=copy.id, name=stored.original_name,
                              content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                              position=position))
    history.record(session, share, Happened.SENT, actor=user.name, detail=share.recipient, at=now)
    send_link(session, settings, case, share, token, len(chosen))
    names = ", ".join(stored.original_name for _a, stored in chosen)
    audit.record(session, actor, "case.documents_shared", OBJECT, case.reference,
                 f"Documents sent securely to {share.recipient}: {names} (until {london_when(share.expires_at)})",
                 {"share_id": share.id, "attachment_ids": ids, "days": request.days, "is_response": request.is_response})
    case.updated_at = now
    events.publish(session, events.DocumentsShared(case.id, actor, share_id=share.id))
    if request.is_response:
        record_response(session, actor, case, now.astimezone(LONDON).date())
    return Sent(share=share, token=token)


def record_response(session: Session, actor: audit.Actor, case: Case, on: dt.date) -> None:
    """The first answer sent is the response date; a later share (a correction, a resend) does not move it."""
    if case.responded_on is not None:
        return
    case.responded_on = on
    audit.record(session, actor, "case.response_sent", OBJECT, case.reference,
                 f"Response sent on {on.strftime('%-d %B %Y')} through Secure Share", {"on": on.isoformat()})
    events.publish(session, events.ResponseSent(case.id, actor, on=on, by="secure share"))
