"""A case's timeline, built from the audit log: what happened, who did it, when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from shared.audit import AuditEvent

#: Reads of the case's personal data: in the audit log, not on the timeline (which says what happened to it).
READS = frozenset({"case.viewed", "case.attachment_downloaded", "case.share_file_downloaded"})


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    who: str
    action: str
    summary: str


def timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """Newest first, as caseworkers read it.

    Asks for the four columns it shows and leaves the reads out in the query: every view of the case
    is an audit entry, so a case looked at for months has far more reads than events, and loading each
    as a whole row (its detail parsed from JSON) only to drop it made the page slower the more it was used.
    """
    rows = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.actor_label, AuditEvent.action, AuditEvent.summary)
        .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.reference),
               AuditEvent.action.not_in(READS))
        .order_by(AuditEvent.id.desc())
    )
    return [TimelineEntry(at=at, who=who, action=action, summary=summary or action) for at, who, action, summary in rows]
