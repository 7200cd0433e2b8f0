"""The requester's side of a share: open the link, prove the email address, use a session, leave.

Opening the link changes nothing: the page only asks for the email address (a link scanner or a
prefetch that follows it uses nothing up, and the history's "Link opened" line is left out for those).
Only the confirmation, a POST, counts: wrong addresses are limited per share (5 in 15 minutes) and per
address (20 an hour across shares), and 10 in a row lock the share until a caseworker unlocks it. Every
outcome is returned rather than raised, so the failure and its counting are kept when the page says no.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.sending import send as send_notice
from backoffice.releases import canary, history, secrets
from backoffice.releases.history import Happened, HistoryEntry
from backoffice.releases.management import PURGE_JOB, SharedFile, end_sessions, files_of, who_to_tell
from backoffice.releases.models import Share, ShareFile, ShareSession
from backoffice.releases.sending import OBJECT
from backoffice.releases.state import (
    IP_WINDOW,
    LOCK_AFTER,
    SESSION_LIMIT,
    TRIES_PER_IP,
    TRIES_PER_SHARE,
    TRIES_WINDOW,
    ShareStatus,
    ended_at,
    london_when,
    status_of,
    time_left_in_words,
)
from shared import audit, jobs, ratelimit
from shared.db import utcnow
from shared.errors import DomainError, NotAuthenticated, NotFound
from shared.files import CLEAN, StoredFile
from shared.files.words import size_in_words

PER_SHARE = ratelimit.Limit("share-email", TRIES_PER_SHARE, TRIES_WINDOW)
PER_IP = ratelimit.Limit("share-email-ip", TRIES_PER_IP, IP_WINDOW)
WRONG_EMAIL = "Enter the email address the documents were sent to"


@dataclass(frozen=True)
class Ended:
    """What the 410 page says about a share that has ended."""

    reference: str
    why: str  # "expired", "withdrawn", "removed"
    on: str  # "25 June 2023 at 6:00pm"


class ShareGone(DomainError):
    status = 410
    title = "These documents are no longer available"

    def __init__(self, ended: Ended) -> None:
        super().__init__(f"The documents for {ended.reference} were {ended.why} on {ended.on}")
        self.ended = ended


class NotSignedIn(NotAuthenticated):
    title = "Confirm your email address to see your documents"


@dataclass(frozen=True)
class Landing:
    reference: str
    locked: bool
    expires_text: str


@dataclass(frozen=True)
class Confirmation:
    """The outcome of one try: a session token when it worked, else why not."""

    session_token: str | None = None
    error: str | None = None
    retry_after: int | None = None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.session_token is not None


@dataclass(frozen=True)
class RequesterShare:
    """The signed-in page: what there is, and for how long."""

    share_id: int
    session_id: int
    reference: str
    case_type: str
    time_left: str
    removal_text: str
    expires_at: dt.datetime
    session_ends_at: dt.datetime
    files: tuple[SharedFile, ...]
    total_size_text: str


_WHY = {ShareStatus.EXPIRED: "removed because the time to download them ended", ShareStatus.REVOKED: "withdrawn",
        ShareStatus.REMOVED: "removed at your request"}


def _reference(case: Case | None) -> str:
    return case.reference if case is not None else canary.REFERENCE


def _share(session: Session, token: str, now: dt.datetime) -> tuple[Share, Case | None]:
    """The live share the token opens; ``NotFound`` for a token that opens nothing, ``ShareGone`` once ended.
    The case is None only for the service's check share (``canary``), which belongs to none."""
    share = session.scalar(select(Share).where(Share.token_hash == secrets.digest(token))) \
        if secrets.looks_like_token(token) else None
    if share is None:
        raise NotFound("There are no documents at this address")
    case = session.get(Case, share.case_id) if share.case_id is not None else None
    status = status_of(share, now)
    if status.ended:
        raise ShareGone(Ended(reference=_reference(case), why=_WHY[status], on=london_when(min(ended_at(share), now))))
    return share, case


def landing(session: Session, token: str) -> Landing:
    share, case = _share(session, token, utcnow())
    return Landing(reference=_reference(case), locked=share.locked_at is not None,
                   expires_text=london_when(share.expires_at))


def record_opening(session: Session, token: str, device: str) -> None:
    """A person (not a prefetch or scanner: the caller tells them apart) opened the link."""
    share, _case = _share(session, token, utcnow())
    history.record(session, share, Happened.LINK_OPENED, device=device)


def _requester(case: Case, ip: str | None) -> audit.Actor:
    return audit.Actor(type="requester", label=case.requester_email or "requester", ip=ip)


def _audit(session: Session, case: Case | None, ip: str | None, action: str, summary: str,
           detail: dict[str, object]) -> None:
    """A requester's action on a case's share; the check share holds no one's data and is no case's record."""
    if case is not None:
        audit.record(session, _requester(case, ip), action, OBJECT, case.reference, summary, detail)


def confirm_email(session: Session, token: str, email: str, *, ip: str, device: str,
                  now: dt.datetime | None = None) -> Confirmation:
    now = now or utcnow()
    share, case = _share(session, token, now)
    if share.locked_at is not None:
        return Confirmation(locked=True, error="These documents have been locked")
    if not email.strip():
        return Confirmation(error="Enter your email address")
    hits = [(PER_SHARE, str(share.id)), (PER_IP, ip or "unknown")]
    refused = ratelimit.refusal(ratelimit.peek_all(session, hits, now))
    if refused is not None:
        history.record(session, share, Happened.CONFIRMATION_REFUSED, device=device, at=now)
        return Confirmation(error="You have entered the wrong email address too many times",
                            retry_after=refused.retry_after_seconds)
    if secrets.email_matches(share.email_hash, email):
        return _signed_in(session, share, case, device, ip, now)
    return _failed(session, share, case, hits, device, ip, now)


def _signed_in(session: Session, share: Share, case: Case | None, device: str, ip: str | None,
               now: dt.datetime) -> Confirmation:
    share.failures_in_row = 0
    if share.first_opened_at is None:
        share.first_opened_at = now
        history.record(session, share, Happened.EMAIL_CONFIRMED, device=device, at=now)
    token = secrets.new_token()
    session.add(ShareSession(share_id=share.id, token_hash=secrets.digest(token), device=device[:100],
                             created_at=now, ends_at=min(now + SESSION_LIMIT, share.expires_at)))
    history.record(session, share, Happened.SIGNED_IN, device=device, at=now)
    _audit(session, case, ip, "case.share_signed_in", "The requester signed in to the shared documents",
           {"share_id": share.id, "device": device})
    return Confirmation(session_token=token)


def _failed(session: Session, share: Share, case: Case | None, hits: list[tuple[ratelimit.Limit, str]], device: str,
            ip: str | None, now: dt.datetime) -> Confirmation:
    decisions = ratelimit.count_all(session, hits, now)
    share.failures_in_row += 1
    history.record(session, share, Happened.CONFIRMATION_FAILED, device=device, at=now)
    _audit(session, case, ip, "case.share_confirmation_failed", "A wrong email address was entered for the shared"
           " documents", {"share_id": share.id, "in_a_row": share.failures_in_row})
    if share.failures_in_row >= LOCK_AFTER:
        share.locked_at = now
        history.record(session, share, Happened.LOCKED, device=device, detail=str(share.failures_in_row), at=now)
        if case is not None:
            send_notice(session, Notice.SHARE_LOCKED, case, who_to_tell(session, case), detail=share.failures_in_row)
        return Confirmation(locked=True, error="These documents have been locked")
    refused = ratelimit.refusal(decisions)
    if refused is not None:
        return Confirmation(error="You have entered the wrong email address too many times",
                            retry_after=refused.retry_after_seconds)
    return Confirmation(error=WRONG_EMAIL)


def _session(session: Session, share: Share, session_token: str, now: dt.datetime) -> ShareSession:
    row = session.scalar(select(ShareSession).where(ShareSession.token_hash == secrets.digest(session_token),
                                                    ShareSession.share_id == share.id)) \
        if secrets.looks_like_token(session_token) else None
    if row is None or row.ended_at is not None or now >= row.ends_at or now >= share.expires_at:
        raise NotSignedIn()
    return row


def signed_in(session: Session, token: str, session_token: str, now: dt.datetime | None = None) -> RequesterShare:
    """The page of a signed-in requester; ``NotSignedIn`` when the session ended (signed out, 12 hours, expiry).

    The 30-minute idle limit is the cookie's: it is signed with the time of the last request and refused
    when older (so reading the page writes nothing)."""
    now = now or utcnow()
    share, case = _share(session, token, now)
    row = _session(session, share, session_token, now)
    files = files_of(session, share)
    return RequesterShare(
        share_id=share.id, session_id=row.id, reference=_reference(case),
        case_type=case.case_type.name if case is not None else canary.REFERENCE,
        time_left=time_left_in_words(share, now), removal_text=london_when(share.expires_at),
        expires_at=share.expires_at, session_ends_at=row.ends_at,
        files=tuple(SharedFile(id=f.id, name=f.name, size=f.size, size_text=size_in_words(f.size),
                               content_type=f.content_type, downloaded=f.first_downloaded_at is not None)
                    for f in files),
        total_size_text=size_in_words(sum(f.size for f in files)))


def sign_out(session: Session, token: str, session_token: str, device: str) -> None:
    now = utcnow()
    share, _case = _share(session, token, now)
    row = _session(session, share, session_token, now)
    row.ended_at = now
    history.record(session, share, Happened.SIGNED_OUT, device=device, at=now)


def remove_documents(session: Session, token: str, session_token: str, device: str, ip: str | None = None) -> Ended:
    """Gone for good: every session ends, the worker deletes the files, the case owner is told."""
    now = utcnow()
    share, case = _share(session, token, now)
    _session(session, share, session_token, now)
    share.removed_at = now
    end_sessions(session, share, now)
    history.record(session, share, Happened.REMOVED, device=device, at=now)
    jobs.enqueue(session, PURGE_JOB, {"share_id": share.id})
    if case is not None:
        send_notice(session, Notice.SHARE_REMOVED, case, who_to_tell(session, case))
    _audit(session, case, ip, "case.share_removed", "The requester removed the shared documents",
           {"share_id": share.id})
    return Ended(reference=_reference(case), why=_WHY[ShareStatus.REMOVED], on=london_when(now))


def requester_history(session: Session, token: str, session_token: str) -> list[HistoryEntry]:
    now = utcnow()
    share, _case = _share(session, token, now)
    _session(session, share, session_token, now)
    return history.history_of(session, share)


@dataclass(frozen=True)
class DownloadFile:
    """One clean file of a live share, for the downloads page to stream."""

    share_id: int
    share_file_id: int
    file_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    modified: dt.datetime


def _downloadable(session: Session, share: Share) -> list[DownloadFile]:
    rows = session.execute(select(ShareFile, StoredFile).join(StoredFile, StoredFile.id == ShareFile.file_id)
                           .where(ShareFile.share_id == share.id, StoredFile.status == CLEAN)
                           .order_by(ShareFile.position, ShareFile.id))
    return [DownloadFile(share_id=share.id, share_file_id=f.id, file_id=s.id, name=f.name,
                         content_type=s.content_type, size=s.size, sha256=s.sha256, modified=share.sent_at)
            for f, s in rows]


def files_to_download(session: Session, token: str, session_token: str) -> list[DownloadFile]:
    now = utcnow()
    share, _case = _share(session, token, now)
    _session(session, share, session_token, now)
    return _downloadable(session, share)


def file_to_download(session: Session, token: str, session_token: str, share_file_id: int) -> DownloadFile:
    for item in files_to_download(session, token, session_token):
        if item.share_file_id == share_file_id:
            return item
    raise NotFound("There is no such document here")


def record_download(session: Session, share_id: int, share_file_id: int | None, *, bytes_sent: int, complete: bool,
                    device: str, ip: str | None = None) -> None:
    """After the body ends (in a session of its own): complete only when the last byte went out."""
    share = session.get(Share, share_id)
    if share is None:
        return
    case = session.get(Case, share.case_id) if share.case_id is not None else None
    now = utcnow()
    item = session.get(ShareFile, share_file_id) if share_file_id is not None else None
    name = item.name if item is not None else "all documents (ZIP)"
    if complete:
        share.first_downloaded_at = share.first_downloaded_at or now
        for downloaded in ([item] if item is not None else files_of(session, share)):
            downloaded.first_downloaded_at = downloaded.first_downloaded_at or now
    history.record(session, share, Happened.DOWNLOADED if complete else Happened.DOWNLOAD_STOPPED, device=device,
                   file_name=name, bytes_sent=bytes_sent, at=now)
    if case is not None:
        audit.record(session, _requester(case, ip), "case.share_file_downloaded", OBJECT, case.reference,
                     f"The requester downloaded {name}" + ("" if complete else f" (stopped after {bytes_sent} bytes)"),
                     {"share_id": share.id, "share_file_id": share_file_id, "bytes": bytes_sent, "complete": complete})
