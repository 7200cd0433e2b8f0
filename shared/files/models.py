"""The row kept for every uploaded file: what it is, who sent it and what ClamAV said."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow

QUARANTINED = "quarantined"
CLEAN = "clean"
INFECTED = "infected"
STATUSES = (QUARANTINED, CLEAN, INFECTED)


def new_file_id() -> str:
    """A random, unguessable id that also names the file on disk (never the uploaded name)."""
    return secrets.token_hex(16)


class StoredFile(Base):
    """One uploaded file. Its bytes are served only once ``status`` is ``clean``."""

    __tablename__ = "stored_files"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES!r}", name="status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_file_id)
    #: Sanitised; used only for display and as the download's file name.
    original_name: Mapped[str] = mapped_column(String(255))
    #: Detected from the bytes, never taken from the browser.
    content_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default=QUARANTINED, index=True)
    #: The virus clamd named, when it found one.
    signature: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    scanned_at: Mapped[dt.datetime | None]
    scan_attempts: Mapped[int] = mapped_column(default=0)
    #: Why scanning stopped being retried; the file stays quarantined until someone rescans it.
    scan_error: Mapped[str | None] = mapped_column(String(1000))

    @property
    def is_clean(self) -> bool:
        return self.status == CLEAN
