"""The help articles administrators keep, and the support requests staff raise with their updates.

A request's access key is shown once and kept only as its SHA-256 digest: it has 128 bits, so a fast hash
is enough, and a stolen table gives no keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class HelpArticle(Base):
    __tablename__ = "help_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))


class SupportRequest(Base):
    __tablename__ = "support_requests"
    __table_args__ = (Index("ix_support_requests_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: "service_request" (asking for something) or "problem" (something is wrong).
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    raised_by: Mapped[str] = mapped_column(String(320))
    access_key_hash: Mapped[str] = mapped_column(String(64))
    #: The help articles shown while it was written, and whether one was opened: the desk learns what helps.
    articles_shown: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class SupportUpdate(Base):
    __tablename__ = "support_updates"
    __table_args__ = (Index("ix_support_updates_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(320))
    #: Written by the service desk (an administrator), not by the person who raised it.
    from_desk: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
