"""What a caseworker does with a share after sending it: see it, resend the link, extend, revoke, unlock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice.cases.access import Action, require
from backoffice.cases.models import Case
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import notify
from backoffice.notifications.subscribers import group_addresses, owner_email
from backoffice.releases import history, secrets
from backoffice.releases.history import Happened, HistoryEntry
from backoffice.releases.models import Share, ShareFile, ShareSession
from backoffice.releases.sending import OBJECT, send_link, share_context
from backoffice.releases.state import (
    MAX_DAYS,
    MIN_DAYS,
    ShareStatus,
    expiry_for,
    london_when,
    status_of,
)
from backoffice.staff.accounts import StaffUser
from shared import audit, jobs
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound
from shared.files.words import size_in_words
from shared.settings import Settings

PURGE_JOB = "backoffice.releases.purge"
REASON_LIMIT = 500


@dataclass(frozen=True)
class SharedFile:
    id: int
    name: str
    size: int
    size_text: str
    content_type: str
    downloaded: bool


@dataclass(frozen=True)
class ShareSummary:
    """A share as the case page and the API show it."""

    id: int
    recipient: str
    status: ShareStatus
    locked: bool
    is_response: bool
    sent_by: str
    sent_at: dt.datetime
    expires_at: dt.datetime
    expires_text: str
    files: tuple[SharedFile, ...]
    history: tuple[HistoryEntry, ...]

    @property
    def live(self) -> bool:
        return not self.status.ended


def files_of(session: Session, share: Share) -> list[ShareFile]:
    return list(session.scalars(select(ShareFile).where(ShareFile.share_id == share.id)
                                .order_by(ShareFile.position, ShareFile.id)))


def summary(session: Session, share: Share, now: dt.datetime | None = None) -> ShareSummary:
    files = tuple(SharedFile(id=f.id, name=f.name, size=f.size, size_text=size_in_words(f.size),
                             content_type=f.content_type, downloaded=f.first_downloaded_at is not None)
                  for f in files_of(session, share))
    return ShareSummary(id=share.id, recipient=share.recipient, status=status_of(share, now),
                        locked=share.locked_at is not None, is_response=share.is_response, sent_by=share.sent_by,
                        sent_at=share.sent_at, expires_at=share.expires_at, expires_text=london_when(share.expires_at),
                        files=files, history=tuple(history.history_of(session, share, staff=True)))


def shares_of(session: Session, user: StaffUser, case: Case) -> list[ShareSummary]:
    """Newest first; anyone who may see the case may see its shares."""
    require(session, user, case, Action.VIEW)
    shares = session.scalars(select(Share).where(Share.case_id == case.id).order_by(Share.id.desc()))
    now = utcnow()
    return [summary(session, share, now) for share in shares]


def get_share(session: Session, user: StaffUser, case: Case, share_id: int) -> Share:
    require(session, user, case, Action.VIEW)
    share = session.scalar(select(Share).where(Share.id == share_id, Share.case_id == case.id))
    if share is None:
        raise NotFound("There is no such share on this case")
    return share


def _live(share: Share, doing: str) -> None:
    status = status_of(share)
    if status.ended:
        raise Conflict(f"The documents cannot be {doing}: the share is {status.label.lower()}")


def end_sessions(session: Session, share: Share, now: dt.datetime) -> None:
    session.execute(update(ShareSession).where(ShareSession.share_id == share.id, ShareSession.ended_at.is_(None))
                    .values(ended_at=now))


def _reason(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Enter a reason", {field: "Enter a reason"})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("The reason is too long", {field: f"Reason must be {REASON_LIMIT} characters or fewer"})
    return reason


def resend(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case,
           share: Share) -> str:
    """A new link by email; the old token stops working at once, and so do the sessions it opened."""
    require(session, user, case, Action.MANAGE_SHARES)
    _live(share, "sent again")
    token = secrets.new_token()
    now = utcnow()
    share.token_hash = secrets.digest(token)
    share.link_sent_at = now
    end_sessions(session, share, now)
    history.record(session, share, Happened.LINK_RESENT, actor=user.name, at=now)
    send_link(session, settings, case, share, token, len(files_of(session, share)))
    audit.record(session, actor, "case.share_resent", OBJECT, case.reference,
                 f"A new link to the shared documents was sent to {share.recipient}", {"share_id": share.id})
    return token


def extend(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case, share: Share,
           days: int, reason: str) -> Share:
    """``days`` more days from the current removal time; the requester is emailed the new date."""
    require(session, user, case, Action.MANAGE_SHARES)
    _live(share, "extended")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidInput("Enter a number of days", {"days": f"Number of days must be between {MIN_DAYS} and {MAX_DAYS}"})
    reason = _reason(reason)
    now = utcnow()
    new_expiry = expiry_for(share.expires_at, days)
    if new_expiry - now > dt.timedelta(days=MAX_DAYS + 1):
        raise InvalidInput("That is too long", {"days": f"Documents can stay for at most {MAX_DAYS} days from today"})
    share.expires_at = new_expiry
    share.reminders_sent = ""
    history.record(session, share, Happened.EXTENDED, actor=user.name, detail=london_when(new_expiry), at=now)
    notify(session, settings, Notice.SHARE_EXTENDED, case, [share.recipient],
           **share_context(share, len(files_of(session, share))))
    audit.record(session, actor, "case.share_extended", OBJECT, case.reference,
                 f"Shared documents extended to {london_when(new_expiry)}: {reason}",
                 {"share_id": share.id, "days": days, "reason": reason})
    return share


def revoke(session: Session, actor: audit.Actor, user: StaffUser, case: Case, share: Share, reason: str) -> Share:
    """Ends the share at once (sessions too); the worker deletes its files within minutes."""
    require(session, user, case, Action.MANAGE_SHARES)
    _live(share, "revoked")
    reason = _reason(reason)
    now = utcnow()
    share.revoked_at = now
    end_sessions(session, share, now)
    history.record(session, share, Happened.REVOKED, actor=user.name, detail=reason, at=now)
    jobs.enqueue(session, PURGE_JOB, {"share_id": share.id})
    audit.record(session, actor, "case.share_revoked", OBJECT, case.reference,
                 f"Access to the shared documents withdrawn: {reason}", {"share_id": share.id, "reason": reason})
    return share


def unlock(session: Session, actor: audit.Actor, user: StaffUser, case: Case, share: Share) -> Share:
    require(session, user, case, Action.MANAGE_SHARES)
    _live(share, "unlocked")
    if share.locked_at is None:
        raise Conflict("The share is not locked")
    share.locked_at = None
    share.failures_in_row = 0
    history.record(session, share, Happened.UNLOCKED, actor=user.name)
    audit.record(session, actor, "case.share_unlocked", OBJECT, case.reference,
                 "Shared documents unlocked", {"share_id": share.id})
    return share


def who_to_tell(session: Session, case: Case) -> list[str | None]:
    """The case owner, or the case's team while nobody owns it: someone must hear of a lock or removal."""
    owner = owner_email(session, case)
    return [owner] if owner else list(group_addresses(session, case.team_group_id))


def live_share_count(session: Session, case: Case) -> int:
    now = utcnow()
    return int(session.scalar(select(func.count(Share.id)).where(
        Share.case_id == case.id, Share.revoked_at.is_(None), Share.removed_at.is_(None), Share.expires_at > now)) or 0)
