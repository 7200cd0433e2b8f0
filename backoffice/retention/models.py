"""A retention review: the cases found due for destruction on one day, approved (or not) by a manager, and
what became of each. Kept for ever: it is the retention report (what was destroyed, when, on whose word).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow

AWAITING_APPROVAL = "awaiting_approval"
APPROVED = "approved"
DONE = "done"
STATUS_NAMES = {AWAITING_APPROVAL: "Awaiting approval", APPROVED: "Approved: being destroyed", DONE: "Done"}


class RetentionReview(Base):
    __tablename__ = "retention_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    prepared_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(20), default=AWAITING_APPROVAL)
    approved_by: Mapped[str] = mapped_column(String(320), default="")
    approved_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RetentionItem(Base):
    """One case on a review. The reference and type are copied: the case row stays, without its personal data."""

    __tablename__ = "retention_items"
    __table_args__ = (Index("ix_retention_items_review", "review_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("retention_reviews.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(30))
    case_type: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime]
    destroyed_at: Mapped[dt.datetime | None]
    #: Why it was not destroyed after all (a legal hold placed since, the case reopened).
    skipped: Mapped[str] = mapped_column(String(300), default="")
