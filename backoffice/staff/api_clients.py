"""API clients: systems that create and read cases with a bearer token.

The token is shown once and only its SHA-256 digest is stored; with 256 bits of
randomness a fast hash is enough (there is nothing to brute-force).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import audit
from shared.db import Base, utcnow
from shared.errors import InvalidInput

TOKEN_PREFIX = "civic_"  # noqa: S105 - a prefix that marks our tokens, not a secret


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_client(session: Session, actor: audit.Actor, name: str) -> tuple[ApiClient, str]:
    """Return the client and its token; the token is never stored or shown again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the API client a name of up to 200 characters", {"name": "Enter a name"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, token_hash=digest(token))
    session.add(client)
    session.flush()
    audit.record(session, actor, "api_client.created", "api_client", client.id, f"API token created for {name}")
    return client, token


def client_for_token(session: Session, token: str) -> ApiClient | None:
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == digest(token)))
    if client is None or client.revoked_at is not None:
        return None
    return client
