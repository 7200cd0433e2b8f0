"""What people thought of a public service: the GOV.UK satisfaction scale and a comment, for reporting.

Feedback is anonymous on purpose: it is stored with the service and the type of
request only, never with a case or an email address, so a comment can be read
by anyone reporting on the service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import Base, utcnow
from shared.errors import InvalidInput

#: The GOV.UK satisfaction scale, best first, as the survey words it.
RATINGS: tuple[tuple[str, str], ...] = (
    ("very_satisfied", "Very satisfied"),
    ("satisfied", "Satisfied"),
    ("neither", "Neither satisfied or dissatisfied"),
    ("dissatisfied", "Dissatisfied"),
    ("very_dissatisfied", "Very dissatisfied"),
)
COMMENT_MAX = 1200


class Feedback(Base):
    __tablename__ = "service_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(40), index=True)
    case_type_key: Mapped[str | None] = mapped_column(String(40))
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


def feedback_errors(rating: str, comment: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if rating not in dict(RATINGS):
        errors["rating"] = "Select how you feel about the service"
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"Your comments must be {COMMENT_MAX:,} characters or less"
    return errors


def record_feedback(session: Session, *, service: str, rating: str, comment: str,
                    case_type_key: str | None = None) -> Feedback:
    """Store one response; ``InvalidInput`` (with GOV.UK messages per field) when it is not valid."""
    errors = feedback_errors(rating, comment)
    if errors:
        raise InvalidInput("The feedback is not valid", errors)
    row = Feedback(service=service[:40], case_type_key=(case_type_key or None) and case_type_key[:40],
                   rating=rating, comment=comment.strip())
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class FeedbackReport:
    counts: dict[str, int]
    comments: list[tuple[dt.datetime, str, str]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfaction(self) -> float | None:
        """The share who were satisfied or very satisfied, as GOV.UK's performance data reports it."""
        if not self.total:
            return None
        return (self.counts["very_satisfied"] + self.counts["satisfied"]) / self.total


def feedback_report(session: Session, service: str, since: dt.datetime, until: dt.datetime) -> FeedbackReport:
    """Counts per rating (every rating listed, zero included) and the comments, newest first."""
    window = (Feedback.service == service, Feedback.created_at >= since, Feedback.created_at < until)
    counts = {key: 0 for key, _ in RATINGS}
    for rating, number in session.execute(select(Feedback.rating, func.count()).where(*window).group_by(Feedback.rating)):
        counts[rating] = int(number)
    rows = session.execute(select(Feedback.created_at, Feedback.rating, Feedback.comment)
                           .where(*window, Feedback.comment != "").order_by(Feedback.created_at.desc()))
    return FeedbackReport(counts=counts, comments=[(at, rating, comment) for at, rating, comment in rows])
