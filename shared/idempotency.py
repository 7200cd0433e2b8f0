"""Treat a repeated action as one: every state-changing form carries a single-use key.

A double click, a resubmitted form or a retried API call presents the same key
again; the unique constraint makes the second attempt a no-op, even when both
arrive at once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import Base, utcnow


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def first_use(session: Session, key: str | None) -> bool:
    """True the first time ``key`` is seen (or when no key was sent); False for a repeat."""
    if not key:
        return True
    key = key[:100]
    if session.scalar(select(IdempotencyKey.key).where(IdempotencyKey.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(key=key))
    except IntegrityError:
        return False
    return True


def forget_old(session: Session, older_than: dt.timedelta = dt.timedelta(days=2)) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - older_than))
