"""What a requester may see of their own case: its status, due date and whether it has been answered.

A case is found only by its reference and the requester's email address
together, so a public page built on this cannot be used to learn whether a
reference exists: a wrong address and a wrong reference look the same.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, StatusKind

REFERENCE = re.compile(r"^[A-Z0-9]{2,10}-\d{4}-\d{1,7}$")


@dataclass(frozen=True)
class RequesterView:
    reference: str
    case_type_name: str
    received_on: dt.date
    due_on: dt.date | None
    #: Plain words for the requester: "Received", "Being worked on", "Answered".
    status_label: str
    answered: bool
    answered_on: dt.date | None


def normalise_reference(reference: str) -> str:
    return "".join(reference.split()).upper()


def find_for_requester(session: Session, reference: str, email: str) -> RequesterView | None:
    """The case when both the reference and the email address match it, else None (whichever was wrong)."""
    reference = normalise_reference(reference)
    email = email.strip().lower()
    if not REFERENCE.match(reference) or not email:
        return None
    case = session.scalar(select(Case).where(Case.reference == reference, func.lower(Case.requester_email) == email))
    if case is None:
        return None
    kind = case.status.kind
    answered = kind == StatusKind.CLOSED
    label = {StatusKind.OPEN: "Received", StatusKind.IN_PROGRESS: "Being worked on"}.get(StatusKind(kind), "Answered")
    closed_on = case.closed_at.date() if answered and case.closed_at else None
    return RequesterView(reference=case.reference, case_type_name=case.case_type.name, received_on=case.received_on,
                         due_on=case.due_on, status_label=label, answered=answered, answered_on=closed_on)
