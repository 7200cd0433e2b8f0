"""Single-use emailed links: 256 random bits, stored as a digest, 24 hours, newest wins.

Any app that proves an address by email uses these (capture's confirmation and
progress check; Secure Share next), so the link knows nothing of what it is for
beyond a ``purpose`` and a ``subject``: a string key the app chooses, such as
``"draft:12"``. Opening a link only looks it up (mail scanners open links); only
a POST uses it, with an atomic update, so two clicks at once cannot both succeed.
A link proves only the address it was sent to; an app revokes a subject's links
when the address they went to stops being the one it would confirm.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import Base, utcnow

LINK_LIFETIME = dt.timedelta(hours=24)
#: Longer tokens than this are refused before any lookup (a real one is 43 characters).
TOKEN_MAX = 100


class EmailLink(Base):
    """One emailed link: only the SHA-256 digest of its token is kept, so the table gives nobody a usable link."""

    __tablename__ = "email_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    #: What the link acts on, in the app's words (``"draft:12"``, ``"case:FOI-2026-00012"``).
    subject: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[dt.datetime | None]
    #: A newer link for the same subject (and address, when links are per address) replaced this one.
    replaced: Mapped[bool] = mapped_column(default=False)


class Problem(enum.StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    #: The address the link went to is no longer the one to confirm: it proves nothing now.
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


def issue(session: Session, purpose: str, subject: str, email: str, *, per_address: bool = False) -> str:
    """A new link; the older unused ones for the subject stop working. Returns the token (to email, never store).

    ``per_address``: only the older links to this same address stop (a case's
    progress may be checked from two addresses; a draft confirms one).
    """
    older = update(EmailLink).where(EmailLink.purpose == purpose, EmailLink.subject == subject,
                                    EmailLink.used_at.is_(None), EmailLink.replaced.is_(False))
    if per_address:
        older = older.where(EmailLink.email == email)
    session.execute(older.values(replaced=True))
    token = new_token()
    now = utcnow()
    session.add(EmailLink(token_hash=digest(token), purpose=purpose, subject=subject, email=email, created_at=now,
                          expires_at=now + LINK_LIFETIME))
    session.flush()
    return token


def revoke(session: Session, purpose: str, subject: str) -> None:
    """Stop every unused link of the subject (the address it would confirm changed, say)."""
    session.execute(update(EmailLink).where(EmailLink.purpose == purpose, EmailLink.subject == subject,
                                            EmailLink.used_at.is_(None), EmailLink.replaced.is_(False))
                    .values(replaced=True))


def find(session: Session, purpose: str, token: str) -> EmailLink:
    """The usable link, without using it; else :class:`LinkInvalid` saying why."""
    if not token or len(token) > TOKEN_MAX:
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


def delete_for(session: Session, subjects: Iterable[str]) -> None:
    """Forget the links of subjects that no longer exist (a purged draft's, say)."""
    keys = list(subjects)
    if keys:
        session.execute(delete(EmailLink).where(EmailLink.subject.in_(keys)))


def delete_expired(session: Session, purpose: str, before: dt.datetime) -> None:
    """Forget the purpose's links that expired before ``before``: used or not, they can do nothing now.

    By purpose, because an app may keep an expired link while its subject lives
    (to say "expired" and offer a new one rather than "not found").
    """
    session.execute(delete(EmailLink).where(EmailLink.purpose == purpose, EmailLink.expires_at < before))
