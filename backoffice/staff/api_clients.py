"""API clients: systems that create and read cases with a bearer token.

The token is shown once and only its SHA-256 digest is stored; with 256 bits of
randomness a fast hash is enough (there is nothing to brute-force).

A token carries only the scopes it was created with (least privilege: a
website that files requests need not read anyone's case) and always expires:
a token forgotten in an old integration's configuration stops working on its
own. Revoking one is recorded, and it is refused from the next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import audit
from shared.db import Base, utcnow
from shared.errors import InvalidInput, NotFound

TOKEN_PREFIX = "civic_"  # noqa: S105 - a prefix that marks our tokens, not a secret

#: Every scope a token can be given, with what it allows. One per capability: the API's case
#: routes now, and those of the capabilities being built (Secure Share, Disclosure Log,
#: statutory reporting, incident tracking), so their routes ask for a scope nobody has yet.
SCOPES: dict[str, str] = {
    "cases:read": "Read cases, requesters' personal data included: list them and fetch one. Every read is audited.",
    "cases:write": "Create cases and change their statutory clock (extend, pause, resume, clarification).",
    "releases:read": "Read what was released through Secure Share: a case's shares, their files and their access "
                     "and download history (the requester's email address included).",
    "releases:write": "Release response documents to requesters through Secure Share, and resend, extend, revoke "
                      "or unlock a release.",
    "disclosures:read": "Read a case's Disclosure Log entry, with its personal-data check.",
    "disclosures:write": "Publish closed FOI and EIR cases' responses to the Disclosure Log, and withdraw them.",
    "reports:read": "Read statutory and management reports (FOI statistics, timeliness).",
    "incidents:read": "Read public-service incidents: their due times, explanations and whole timeline, internal "
                      "updates included.",
    "incidents:write": "Raise public-service incidents and work them: respond, pause while awaiting the customer, "
                       "resume, resolve, reprioritise.",
}
DEFAULT_LIFETIME_DAYS = 90
LONDON = ZoneInfo("Europe/London")
MAX_LIFETIME_DAYS = 365


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Scope names from :data:`SCOPES`, in the registry's order.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())


def london_day(moment: dt.datetime) -> str:
    """A stored UTC instant as the day people in the UK would call it."""
    return f"{moment.astimezone(LONDON):%-d %B %Y}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _checked_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = {scope.strip() for scope in scopes}
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise InvalidInput(f"Unknown scope {', '.join(unknown)}; known: {', '.join(SCOPES)}",
                           {"scope": "Choose scopes from: " + ", ".join(SCOPES)})
    if not wanted:
        raise InvalidInput("Give the token at least one scope", {"scope": "Choose scopes from: " + ", ".join(SCOPES)})
    return [scope for scope in SCOPES if scope in wanted]


def create_api_client(session: Session, actor: audit.Actor, name: str, scopes: Iterable[str], *,
                      expires_in_days: int = DEFAULT_LIFETIME_DAYS) -> tuple[ApiClient, str]:
    """Return the client and its token; the token is never stored or shown again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the API client a name of up to 200 characters", {"name": "Enter a name"})
    granted = _checked_scopes(scopes)
    if not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        raise InvalidInput(f"A token lasts from 1 to {MAX_LIFETIME_DAYS} days",
                           {"expires_in_days": f"Enter a number of days from 1 to {MAX_LIFETIME_DAYS}"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    client = ApiClient(name=name, token_hash=digest(token), scopes=granted, created_at=now,
                       expires_at=now + dt.timedelta(days=expires_in_days))
    session.add(client)
    session.flush()
    audit.record(session, actor, "api_client.created", "api_client", client.id,
                 f"API token created for {name}: {' '.join(granted)}; expires {london_day(client.expires_at)}",
                 {"scopes": granted, "expires_at": client.expires_at.isoformat()})
    return client, token


def list_api_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id)))


def revoke_api_client(session: Session, actor: audit.Actor, client_id: int) -> tuple[ApiClient, bool]:
    """Revoke a token from its next request on; False when it was revoked already (nothing recorded again)."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"There is no API client with id {client_id}")
    if client.revoked_at is not None:
        return client, False
    client.revoked_at = utcnow()
    audit.record(session, actor, "api_client.revoked", "api_client", client.id, f"API token revoked for {client.name}")
    return client, True


def find_client(session: Session, token: str) -> ApiClient | None:
    """The client a token belongs to, whether or not it may still be used (see :func:`refusal`)."""
    return session.scalar(select(ApiClient).where(ApiClient.token_hash == digest(token)))


def refusal(client: ApiClient | None, now: dt.datetime | None = None) -> str | None:
    """Why a token may not be used now, or None when it may."""
    if client is None or client.revoked_at is not None:
        return "The API token is not valid or has been revoked"
    if client.is_expired(now):
        return f"The API token expired on {london_day(client.expires_at)}; ask for a new one"
    return None


def client_for_token(session: Session, token: str) -> ApiClient | None:
    """The client, if the token is known, not revoked and not expired."""
    client = find_client(session, token)
    return client if refusal(client) is None else None
