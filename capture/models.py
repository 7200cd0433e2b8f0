"""Capture's own tables: drafts of answers and abuse limits (its emailed links are ``shared.links``').

Answers live here, server side, keyed by a random draft key held in the signed
session cookie; the cookie itself carries no answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class Draft(Base):
    """One requester's answers to one form, until they are sent or left untouched for 24 hours."""

    __tablename__ = "capture_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Digest of the key in the session cookie.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    case_type_key: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The address confirmation links go to (set when the requester asks for one).
    email: Mapped[str | None] = mapped_column(String(254))
    #: Set once the case exists; the answers are then cleared from the draft.
    case_reference: Mapped[str | None] = mapped_column(String(30))
    due_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class CaptureLimitSetting(Base):
    """A deployment's own abuse limit, overriding the default of the same name (see capture.limits)."""

    __tablename__ = "capture_limit_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int]
    minutes: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
