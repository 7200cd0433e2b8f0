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
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
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

if TYPE_CHECKING:
    from backoffice.staff.oidc import VerifiedIdentity

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
GENERIC_FAILURE = "Enter a correct email address and password"

#: Verified against when there is no account, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing-only")

Refusal = Literal["unknown_account", "no_password", "wrong_password", "locked", "deactivated"]
SsoRefusal = Literal["unknown_account", "subject_mismatch", "deactivated"]


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


def active_user_for_sso(session: Session, identity: VerifiedIdentity, origin: audit.Actor) -> StaffUser | None:
    """The active account for the provider's identity; accounts are never created here.

    An identity bound to an account signs in to that account whatever address
    the provider now gives. An identity not bound yet is bound, once, to the
    account with the address the provider verified, unless that account is
    already bound to another identity: whoever holds the address now (a reused
    mailbox, another provider) is not taken for its owner. Every refusal is audited.
    """
    bound = session.scalar(select(StaffUser).where(StaffUser.oidc_issuer == identity.issuer,
                                                   StaffUser.oidc_subject == identity.subject))
    user = bound or find_user_by_email(session, identity.email)
    refusal: SsoRefusal | None = None
    if user is None:
        refusal = "unknown_account"
    elif bound is None and user.oidc_subject is not None:
        refusal = "subject_mismatch"
    elif not user.active:
        refusal = "deactivated"
    elif bound is None and not _bind(session, user, identity):
        refusal = "subject_mismatch"
    if refusal is not None:
        audit.record(session, origin, "staff.sign_in_failed", "staff_user", user.id if user else "unknown",
                     "Single sign-on refused: no active account for this identity",
                     {"reason": refusal, "email": normalise_email(identity.email)[:254], "method": "sso",
                      "issuer": identity.issuer[:500], "subject": identity.subject})
        return None
    assert user is not None
    if bound is None:
        audit.record(session, staff_actor(user, origin), "staff.sso_linked", "staff_user", user.id,
                     "Single sign-on identity linked to the account",
                     {"issuer": identity.issuer, "subject": identity.subject})
    return user


def _bind(session: Session, user: StaffUser, identity: VerifiedIdentity) -> bool:
    """Record the identity on the account unless another was recorded meanwhile: one conditional update,
    so of two first sign-ins at once with different identities only one can bind."""
    try:
        with session.begin_nested():
            session.execute(
                update(StaffUser)
                .where(StaffUser.id == user.id, StaffUser.oidc_subject.is_(None))
                .values(oidc_issuer=identity.issuer, oidc_subject=identity.subject)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:  # this identity was bound to another account at the same moment
        return False
    session.refresh(user)
    return (user.oidc_issuer, user.oidc_subject) == (identity.issuer, identity.subject)


def open_session(session: Session, user: StaffUser, origin: audit.Actor, *, method: str, user_agent: str | None) -> str:
    """Start a server-side session for a person who has just signed in; return its raw token."""
    from backoffice.staff.sessions import start_session

    _row, token = start_session(session, user, ip=origin.ip, user_agent=user_agent)
    record_sign_in(session, user, origin, method)
    return token
