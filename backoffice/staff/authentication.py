"""Checking a staff member's email address and password, with lockout and audit.

A failed attempt changes state (the failure count, the lock, the audit log), so
the outcome is returned rather than raised: the caller must keep those changes
even though the person sees an error. Every refusal looks the same from outside,
so nobody can learn whether an account exists, is locked or is deactivated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.accounts import (
    StaffUser,
    hash_password,
    needs_rehash,
    normalise_email,
    password_matches,
)
from shared import audit
from shared.db import utcnow

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
GENERIC_FAILURE = "Enter a correct email address and password"

#: Verified against when there is no account, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing-only")

Refusal = Literal["unknown_account", "no_password", "wrong_password", "locked", "deactivated"]


@dataclass(frozen=True)
class SignInOutcome:
    """Who signed in, or why not (the reason is for the audit log, never for the screen)."""

    user: StaffUser | None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def staff_actor(user: StaffUser, origin: audit.Actor) -> audit.Actor:
    """The audit actor for a known staff member, keeping where the request came from."""
    return dataclasses.replace(origin, type="staff", id=str(user.id), label=user.email)


def find_user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def check_password(session: Session, email: str, password: str, origin: audit.Actor) -> SignInOutcome:
    """Check the credentials; count and lock on failure, rehash and reset on success. Never commits."""
    now = utcnow()
    user = find_user_by_email(session, email)
    if user is None:
        password_matches(_DUMMY_HASH, password)
        return _refuse(session, None, email, "unknown_account", origin)
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until = None
        user.failed_sign_ins = 0
    if user.locked_until is not None:
        password_matches(_DUMMY_HASH, password)
        return _refuse(session, user, email, "locked", origin)
    if not user.password_hash:
        password_matches(_DUMMY_HASH, password)
        return _refuse(session, user, email, "no_password", origin)
    if not password_matches(user.password_hash, password):
        user.failed_sign_ins += 1
        outcome = _refuse(session, user, email, "wrong_password", origin)
        if user.failed_sign_ins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            audit.record(session, origin, "staff.locked_out", "staff_user", user.id,
                         f"Locked for {int(LOCKOUT.total_seconds() // 60)} minutes after {user.failed_sign_ins} failed sign-ins",
                         {"failures": user.failed_sign_ins, "locked_until": user.locked_until.isoformat()})
        return outcome
    if not user.active:
        return _refuse(session, user, email, "deactivated", origin)
    user.failed_sign_ins = 0
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignInOutcome(user=user)


def record_sign_in(session: Session, user: StaffUser, origin: audit.Actor, method: str) -> None:
    audit.record(session, staff_actor(user, origin), "staff.signed_in", "staff_user", user.id,
                 f"Signed in ({method})", {"method": method})


def _refuse(session: Session, user: StaffUser | None, email: str, refusal: Refusal, origin: audit.Actor) -> SignInOutcome:
    audit.record(session, origin, "staff.sign_in_failed", "staff_user", user.id if user else "unknown",
                 "Sign-in refused", {"reason": refusal, "email": normalise_email(email)[:254]})
    return SignInOutcome(user=None, refusal=refusal)


def active_user_for_sso(session: Session, email: str, origin: audit.Actor) -> StaffUser | None:
    """The active account for an address the identity provider vouched for; accounts are never created here."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        audit.record(session, origin, "staff.sign_in_failed", "staff_user", user.id if user else "unknown",
                     "Single sign-on refused: no active account",
                     {"reason": "deactivated" if user else "unknown_account", "email": normalise_email(email)[:254], "method": "sso"})
        return None
    return user


def open_session(session: Session, user: StaffUser, origin: audit.Actor, *, method: str, user_agent: str | None) -> str:
    """Start a server-side session for a person who has just signed in; return its raw token."""
    from backoffice.staff.sessions import start_session

    _row, token = start_session(session, user, ip=origin.ip, user_agent=user_agent)
    record_sign_in(session, user, origin, method)
    return token
