"""Exports kept to download: a large case list is written by the worker, with its progress, and kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow

QUEUED = "queued"
WRITING = "writing"
#: DATA_DIR had no room above DISK_RESERVE_MB: the worker writes it when there is (``shared.jobs.RetryLater``).
WAITING = "waiting"
WRITTEN = "written"
FAILED = "failed"


class ReportExport(Base):
    """One export someone asked for. Its file is a stored file, scanned like any other before it is served."""

    __tablename__ = "report_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(60))
    period_key: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
