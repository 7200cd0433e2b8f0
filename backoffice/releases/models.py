"""The tables of a share: the share, its files, its history and the requester's sessions.

Secrets are kept only as digests: the link's token (SHA-256: it has 256 bits, so a fast hash is enough),
the session token likewise, and the requester's email address as an argon2id hash (an address has little
entropy, so it needs a slow hash). The plain address is on the case already; the share keeps the hash so
the check does not depend on the case's contact details changing afterwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class Share(Base):
    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_case", "case_id", "id"), Index("ix_shares_open", "files_deleted_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty only for the service's own check share, which the probe downloads from (``canary``).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(254))
    email_hash: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    is_response: Mapped[bool] = mapped_column(default=False)
    sent_by: Mapped[str] = mapped_column(String(320))
    sent_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    link_sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    removed_at: Mapped[dt.datetime | None]
    #: Set once the worker has recorded the expiry (and told the owner when nothing was downloaded).
    expiry_recorded_at: Mapped[dt.datetime | None]
    files_deleted_at: Mapped[dt.datetime | None]
    locked_at: Mapped[dt.datetime | None]
    failures_in_row: Mapped[int] = mapped_column(default=0)
    first_opened_at: Mapped[dt.datetime | None]
    first_downloaded_at: Mapped[dt.datetime | None]
    #: The reminders already sent, by days before expiry ("7,1"), so each goes once.
    reminders_sent: Mapped[str] = mapped_column(String(40), default="")


class ShareFile(Base):
    """One document in a share: the share's own stored copy (a hard link where the disk allows) of a case
    attachment, so deleting the share's bytes leaves the case's record of what was sent."""

    __tablename__ = "share_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("case_attachments.id", ondelete="SET NULL"))
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    first_downloaded_at: Mapped[dt.datetime | None]


class ShareEvent(Base):
    """One line of a share's access and download history, as both the requester and the caseworker see it."""

    __tablename__ = "share_events"
    __table_args__ = (Index("ix_share_events_share", "share_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: A coarse device, like "Firefox on Windows"; empty for what staff or the worker did.
    device: Mapped[str] = mapped_column(String(100), default="")
    #: Who, for what staff did ("Sam Jones"); empty for the requester and the worker.
    actor: Mapped[str] = mapped_column(String(320), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")


class ShareSession(Base):
    """A requester signed in to a share. The cookie holds the token; the row decides whether it still works."""

    __tablename__ = "share_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
