"""The outbox table: every email the suite sends, whatever carried it.

A message row and its ``mail.send`` job are written in the same transaction as
the change that causes the email, so a rollback loses both and a commit keeps
both. The row is also the record later features read to show staff which mail
to a requester never arrived.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow

PENDING = "pending"
SENT = "sent"
UNDELIVERED = "undelivered"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_related", "related_type", "related_id"),
        Index("ix_outbox_messages_status", "status", "failed_at"),
        Index("ix_outbox_messages_kept", "kept_locally", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    #: ``pending`` until a transport accepts it (``sent``) or it fails for good (``undelivered``).
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    #: Delivery attempts started, including one a crashed worker never finished.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    #: When the message was given up on, so "undelivered since" means "failed since".
    failed_at: Mapped[dt.datetime | None]
    related_type: Mapped[str | None] = mapped_column(String(50))
    related_id: Mapped[str | None] = mapped_column(String(100))
    #: RFC 5322 Message-ID, fixed at enqueue so every retry carries the same one.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: Development only: "sent" to the local outbox page, not to anyone's inbox.
    kept_locally: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to={self.to_address!r}>"
