"""Resetting a forgotten password through a single-use link sent by email.

The answer to "send me a link" is the same whether or not the account exists,
so the form cannot be used to find out who works here. Links expire after an
hour, work once, and a newer link replaces older ones. Opening a link changes
nothing (mail scanners open links); only submitting the new password uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.staff.accounts import StaffUser, new_password_errors, set_password
from backoffice.staff.authentication import find_user_by_email, staff_actor
from backoffice.staff.sessions import revoke_all
from backoffice.staff.tokens import digest, new_token
from shared import audit
from shared.db import Base, utcnow
from shared.errors import DomainError, InvalidInput
from shared.mail import send_email

LINK_LIFETIME = dt.timedelta(hours=1)
PURPOSE = "password-reset"


class ResetLinkInvalid(DomainError):
    """The link is unknown, used, replaced or expired: the person has to ask for a new one."""

    status = 410
    title = "The link has expired"


class PasswordResetToken(Base):
    __tablename__ = "staff_password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    #: One purpose per token, so a token made for something else can never reset a password.
    purpose: Mapped[str] = mapped_column(String(30), default=PURPOSE)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


def request_reset(
    session: Session, email: str, *, link_for: Callable[[str], str], origin: audit.Actor, service_name: str
) -> bool:
    """Email a reset link when an active account has this address; say nothing either way.

    Returns whether a link was sent, for tests and logs only: the person always
    sees the same "check your email" page.
    """
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        audit.record(session, origin, "staff.password_reset_requested", "staff_user", user.id if user else "unknown",
                     "Password reset asked for; no link sent", {"sent": False})
        return False
    session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
    )
    token = new_token()
    now = utcnow()
    session.add(PasswordResetToken(token_hash=digest(token), user_id=user.id, purpose=PURPOSE,
                                   created_at=now, expires_at=now + LINK_LIFETIME))
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    body = (
        f"Dear {user.name},\n\n"
        f"Someone asked to reset the password of your {service_name} account.\n\n"
        f"To choose a new password, open this link:\n{link_for(token)}\n\n"
        f"The link works once and expires in {minutes} minutes.\n\n"
        "If you did not ask for this, you can ignore this email: your password has not changed.\n"
    )
    send_email(session, user.email, f"Reset your {service_name} password", body,
               related_type="staff_user", related_id=user.id)
    audit.record(session, origin, "staff.password_reset_requested", "staff_user", user.id,
                 "Password reset link sent", {"sent": True})
    return True


def find_valid_token(session: Session, token: str) -> PasswordResetToken:
    """The usable token row for a link, without using it up; else :class:`ResetLinkInvalid`."""
    row = session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token))) if token else None
    if row is None or row.purpose != PURPOSE or row.used_at is not None or utcnow() >= row.expires_at:
        raise ResetLinkInvalid("The link is not valid")
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        raise ResetLinkInvalid("The link is not valid")
    return row


def _use(session: Session, row: PasswordResetToken) -> None:
    """Use the link up in one atomic step: of two simultaneous uses only one finds it unused.

    Reading ``used_at`` and then setting it would let two transactions (on
    PostgreSQL) both read it unused and both reset the password.
    """
    now = utcnow()
    result = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(used_at=now)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise ResetLinkInvalid("The link is not valid")


def reset_password(
    session: Session, token: str, password: str, confirm: str, *, origin: audit.Actor, service_name: str
) -> StaffUser:
    """Use the link: set the password, unlock, end every session, and tell the person by email."""
    row = find_valid_token(session, token)
    user = session.get(StaffUser, row.user_id)
    assert user is not None  # checked by find_valid_token
    errors = new_password_errors(password, confirm, user.email)
    if errors:
        raise InvalidInput("The new password is not valid", errors)
    _use(session, row)
    set_password(user, password)
    actor = staff_actor(user, origin)
    revoke_all(session, user, actor, reason="password reset")
    audit.record(session, actor, "staff.password_reset", "staff_user", user.id, "Password reset by emailed link")
    send_email(
        session, user.email, f"Your {service_name} password has been changed",
        f"Dear {user.name},\n\nThe password of your {service_name} account was changed, and every "
        "session signed in to it has been ended.\n\nIf you did not do this, contact your service manager straight away.\n",
        related_type="staff_user", related_id=user.id,
    )
    return user
