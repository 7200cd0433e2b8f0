"""A case's timeline, built from the audit log: what happened, who did it, when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from shared import audit

#: Reads of the case's personal data: in the audit log, not on the timeline (which says what happened to it).
READS = frozenset({"case.viewed", "case.attachment_downloaded", "case.share_file_downloaded"})


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    who: str
    action: str
    summary: str


def timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """Newest first, as caseworkers read it."""
    entries = [
        TimelineEntry(at=e.occurred_at, who=e.actor_label, action=e.action, summary=e.summary or e.action)
        for e in audit.history(session, "case", case.reference) if e.action not in READS
    ]
    return list(reversed(entries))
