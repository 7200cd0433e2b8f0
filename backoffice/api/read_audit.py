"""Reads of requesters' personal data through the API, in the audit log.

One case read (``GET /cases/{reference}``) is an entry on that case
(``case.viewed``, so it is on the case's timeline like a member of staff's
view). A page of the list is *one* entry per request (``cases.listed``, on the
API client) naming every reference it returned and the filters asked for: a
client that syncs 200 cases a minute must not write 200 rows a minute, and the
question "who read case X" is answered by the case's own entries plus the
listings whose ``detail.references`` holds X. A page that returns no case read
nobody's data and records nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from shared import audit

VIEWED = "case.viewed"
LISTED = "cases.listed"


def record_case_read(session: Session, actor: audit.Actor, case: Case) -> None:
    audit.record(session, actor, VIEWED, "case", case.reference, "Viewed through the API", {"via": "api"})


def record_listing(session: Session, actor: audit.Actor, cases: Sequence[Case], filters: Mapping[str, Any]) -> None:
    if not cases:
        return
    references = [case.reference for case in cases]
    audit.record(session, actor, LISTED, "api_client", actor.id or "", f"Listed {len(references)} case(s) through the API",
                 {"references": references, "filters": dict(filters)})
