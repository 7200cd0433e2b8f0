"""The API's one table: which case an ``Idempotency-Key`` already created, per client.

A client that times out and retries must not create a second case. Keys are
scoped to the client (two systems may pick the same key) and remember a digest
of the request so a key reused for a *different* request is refused, not
silently answered with the wrong case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class ApiIdempotencyKey(Base):
    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_api_idempotency_keys_client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    #: The case's or incident's, set in the transaction that makes it; NULL only while that transaction runs.
    reference: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
