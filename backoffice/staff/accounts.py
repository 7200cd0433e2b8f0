"""Staff accounts: who can sign in to the back office, with which role.

Passwords are hashed with argon2; only addresses in the body's allowed staff
email domains may hold an account (the body names its domains at onboarding).
"""

from __future__ import annotations

import datetime as dt
import enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import audit
from shared.db import Base, utcnow
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mail import address_error

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    CASEWORKER = "caseworker"
    READ_ONLY = "read-only"


class StaffUser(Base):
    __tablename__ = "staff_users"
    #: One identity at the provider is one account (``oidc_subject`` is unique per issuer).
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_staff_users_oidc_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The single sign-on identity bound at the first sign-in with it; later sign-ins must be this one.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older argon2 parameters: rehash at the next good sign-in."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def normalise_email(email: str) -> str:
    return email.strip().lower()


MAX_PASSWORD_LENGTH = 1024


def new_password_errors(password: str, confirm: str, email: str) -> dict[str, str]:
    """GOV.UK messages for a new password (field -> message); empty when it is acceptable.

    Length, not composition rules, is what makes a password strong (NCSC
    guidance); the email address is refused because it is the first guess.
    """
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = "Enter a new password"  # noqa: S105 - a message, not a password
    elif len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors["password"] = f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    elif normalise_email(password) == normalise_email(email) or normalise_email(email).split("@")[0] == password.lower():
        errors["password"] = "Password must not be your email address"  # noqa: S105 - a message, not a password
    if "password" not in errors:
        if not confirm:
            errors["confirm_password"] = "Confirm your new password"  # noqa: S105 - a message, not a password
        elif confirm != password:
            errors["confirm_password"] = "Passwords must match"  # noqa: S105 - a message, not a password
    return errors


def set_password(user: StaffUser, password: str) -> None:
    """Store a new hash and clear any lockout: the person has just proved who they are."""
    user.password_hash = hash_password(password)
    user.failed_sign_ins = 0
    user.locked_until = None


def create_user(
    session: Session,
    actor: audit.Actor,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None,
    allowed_domains: tuple[str, ...] = (),
) -> StaffUser:
    """Create an account; refuse a duplicate, a weak password or a domain the body does not allow."""
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if (problem := address_error(email)) is not None:
        errors["email"] = problem
    elif allowed_domains and email.rsplit("@", 1)[1] not in allowed_domains:
        errors["email"] = "Enter an email address from one of the organisation's staff email domains"
    if not name.strip():
        errors["name"] = "Enter the person's name"
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = "Select a role"
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if errors:
        raise InvalidInput("The account details are not valid", errors)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"An account for {email} already exists")
    user = StaffUser(
        email=email,
        name=name.strip(),
        role=str(role),
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "staff_user.created", "staff_user", user.id, f"Account created for {email} ({role})")
    return user


# --- administration -------------------------------------------------------------------------


def list_users(session: Session, *, active_only: bool = False) -> list[StaffUser]:
    """Every account by name, for the administrators' list and the pickers that add people to groups."""
    stmt = select(StaffUser).order_by(StaffUser.name, StaffUser.email)
    if active_only:
        stmt = stmt.where(StaffUser.active.is_(True))
    return list(session.scalars(stmt))


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("No such account")
    return user


def _is_last_administrator(session: Session, user: StaffUser) -> bool:
    """Someone must always be able to administer the service, so the last one cannot be removed."""
    if user.role != Role.ADMINISTRATOR or not user.active:
        return False
    others = session.scalar(
        select(StaffUser.id).where(StaffUser.role == Role.ADMINISTRATOR.value, StaffUser.active.is_(True),
                                   StaffUser.id != user.id).limit(1)
    )
    return others is None


def change_role(session: Session, actor: audit.Actor, user_id: int, role: Role | str) -> StaffUser:
    """Takes effect on the person's next request: every access check reads the role afresh."""
    user = get_user(session, user_id)
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput("Select a role", {"role": "Select a role"}) from None
    if chosen == user.role:
        return user
    if _is_last_administrator(session, user):
        raise InvalidInput("The last administrator keeps the role",
                           {"role": "Make someone else an administrator before changing this person's role"})
    previous = user.role
    user.role = chosen.value
    audit.record(session, actor, "staff_user.role_changed", "staff_user", user.id,
                 f"Role of {user.email} changed from {previous} to {chosen.value}",
                 {"from": previous, "to": chosen.value})
    return user


def deactivate_user(session: Session, actor: audit.Actor, user_id: int) -> StaffUser:
    """Stop an account signing in and end every session it has, on every device, at once."""
    from backoffice.staff.sessions import revoke_all  # sessions imports this module

    user = get_user(session, user_id)
    if actor.type == "staff" and actor.id == str(user.id):
        raise InvalidInput("You cannot deactivate your own account",
                           {"active": "Ask another administrator to deactivate your account"})
    if _is_last_administrator(session, user):
        raise InvalidInput("The last administrator cannot be deactivated",
                           {"active": "Make someone else an administrator before deactivating this account"})
    if not user.active:
        return user
    user.active = False
    audit.record(session, actor, "staff_user.deactivated", "staff_user", user.id, f"Account {user.email} deactivated")
    revoke_all(session, user, actor, reason="account deactivated")
    return user


def reactivate_user(session: Session, actor: audit.Actor, user_id: int) -> StaffUser:
    """Let the person sign in again; their old sessions stay ended (the generation moved on)."""
    user = get_user(session, user_id)
    if user.active:
        return user
    user.active = True
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record(session, actor, "staff_user.reactivated", "staff_user", user.id, f"Account {user.email} reactivated")
    return user
