"""Server-side staff sessions, so that signing out (everywhere) really ends them.

The browser's signed cookie holds only a random token; the row found by its
digest says whose session it is and whether it still counts. Revoking the rows
(or bumping the account's ``session_generation``) ends a session at once, on
every device, which a cookie alone could never do.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.staff.accounts import StaffUser
from backoffice.staff.tokens import digest, new_token
from shared import audit
from shared.db import Base, utcnow

#: However active the person is, they sign in again after this long.
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
#: A session left alone this long ends.
IDLE_TIMEOUT = dt.timedelta(minutes=60)
#: ``last_seen_at`` is written at most this often, so reading pages is not a write each time.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
USER_AGENT_LENGTH = 200


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    #: The account's ``session_generation`` when the session began; a later bump ends it.
    generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_LENGTH))
    revoked_at: Mapped[dt.datetime | None]


def start_session(
    session: Session, user: StaffUser, *, ip: str | None, user_agent: str | None
) -> tuple[StaffSession, str]:
    """Open a session for a person who has just proved who they are; return it and its raw token."""
    now = utcnow()
    token = new_token()
    row = StaffSession(
        token_hash=digest(token),
        user_id=user.id,
        generation=user.session_generation,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
    )
    session.add(row)
    session.flush()
    return row, token


def find_session(session: Session, token: str | None) -> tuple[StaffSession, StaffUser] | None:
    """The live session for a token and its (active) user, else None. Only reads.

    Public pages (the start page, the sign-in page) look the session up inside
    read-only GET transactions, so looking must never write: refreshing
    ``last_seen_at`` is :func:`touch`'s job, done by the staff access policy
    alone, whose GETs are write transactions.
    """
    if not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == digest(token)))
    if row is None or not is_live(row):
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active or user.session_generation != row.generation:
        return None
    return row, user


def touch(row: StaffSession, now: dt.datetime | None = None) -> None:
    """Count a request as activity (the idle timeout starts again), writing at most once a ``TOUCH_INTERVAL``."""
    now = now or utcnow()
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now


def is_live(row: StaffSession, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return row.revoked_at is None and now < row.expires_at and now < row.last_seen_at + IDLE_TIMEOUT


def revoke(session: Session, row: StaffSession, actor: audit.Actor) -> None:
    """End one session (signing out on this device)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    audit.record(session, actor, "staff.signed_out", "staff_user", row.user_id, "Signed out")


def revoke_all(session: Session, user: StaffUser, actor: audit.Actor, *, reason: str) -> int:
    """End every session of one person, on every device; returns how many were live.

    Bumping ``session_generation`` as well means a session row missed here
    (or started concurrently) stops working too.
    """
    now = utcnow()
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    user.session_generation += 1
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(session, actor, "staff.sessions_revoked", "staff_user", user.id,
                 f"All sessions ended ({reason})", {"reason": reason, "sessions": count})
    return count
