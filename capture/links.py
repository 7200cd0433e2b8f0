"""Single-use emailed links: 256 random bits, stored as a digest, 24 hours, newest wins.

Opening a link only looks it up (mail scanners open links); only a POST uses
it, with an atomic update, so two clicks at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from capture.models import EmailLink
from shared.db import utcnow

LINK_LIFETIME = dt.timedelta(hours=24)
CONFIRM = "confirm"
PROGRESS = "progress"


class Problem(enum.StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    #: The draft's email answer is no longer the address the link went to: it proves nothing now.
    EMAIL_CHANGED = "email_changed"


class LinkInvalid(Exception):
    """Why a link cannot be used; ``link`` is the row when the link was real."""

    def __init__(self, problem: Problem, link: EmailLink | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.link = link


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, purpose: str, email: str, *, draft_id: int | None = None,
          case_reference: str | None = None) -> str:
    """A new link for the draft (or the case and address); any older unused one stops working."""
    older = update(EmailLink).where(EmailLink.purpose == purpose, EmailLink.used_at.is_(None),
                                    EmailLink.replaced.is_(False))
    if draft_id is not None:
        older = older.where(EmailLink.draft_id == draft_id)
    else:
        older = older.where(EmailLink.case_reference == case_reference, EmailLink.email == email)
    session.execute(older.values(replaced=True))
    token = new_token()
    now = utcnow()
    session.add(EmailLink(token_hash=digest(token), purpose=purpose, draft_id=draft_id, case_reference=case_reference,
                          email=email, created_at=now, expires_at=now + LINK_LIFETIME))
    session.flush()
    return token


def revoke_for_draft(session: Session, draft_id: int) -> None:
    """Stop every unused confirmation link of the draft (its email answer changed, say)."""
    session.execute(update(EmailLink).where(EmailLink.purpose == CONFIRM, EmailLink.draft_id == draft_id,
                                            EmailLink.used_at.is_(None), EmailLink.replaced.is_(False))
                    .values(replaced=True))


def find(session: Session, purpose: str, token: str) -> EmailLink:
    """The usable link, without using it; else :class:`LinkInvalid` saying why."""
    if not token or len(token) > 100:
        raise LinkInvalid(Problem.UNKNOWN)
    link = session.scalar(select(EmailLink).where(EmailLink.token_hash == digest(token)))
    if link is None or link.purpose != purpose:
        raise LinkInvalid(Problem.UNKNOWN)
    if link.used_at is not None:
        raise LinkInvalid(Problem.USED, link)
    if link.replaced:
        raise LinkInvalid(Problem.REPLACED, link)
    if utcnow() >= link.expires_at:
        raise LinkInvalid(Problem.EXPIRED, link)
    return link


def use(session: Session, purpose: str, token: str) -> EmailLink:
    """Find and use up the link in one atomic step: only one of two simultaneous uses succeeds."""
    link = find(session, purpose, token)
    result = session.execute(update(EmailLink).where(EmailLink.id == link.id, EmailLink.used_at.is_(None))
                             .values(used_at=utcnow()))
    if getattr(result, "rowcount", 0) != 1:
        raise LinkInvalid(Problem.USED, link)
    return link  # the update set ``used_at`` on the loaded link too
