"""A case's timeline, built from the audit log: what happened, who did it, when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from shared import audit


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
        for e in audit.history(session, "case", case.reference)
    ]
    return list(reversed(entries))
