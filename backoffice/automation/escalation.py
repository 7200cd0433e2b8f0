"""Escalating a case: automatically when a target is breached, or by hand with a reason.

Either way the case is marked escalated, the timeline says why, and the owner and the type's
escalation group are told through ``notify`` (which honours the type's switches and wording).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.automation.recipients import Recipients
from backoffice.cases.access import Action, require
from backoffice.cases.models import Case
from backoffice.notifications import Notice, notify
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput
from shared.settings import Settings

#: The actor of everything the sweep does, so the timeline says it was automatic.
AUTOMATION = audit.Actor(type="system", label="Automation")
REASON_LIMIT = 2000


def mark_escalated(session: Session, actor: audit.Actor, case: Case, summary: str, **detail: object) -> bool:
    """Set the flag and record it; False (and nothing written) when the case was already escalated."""
    if case.escalated:
        return False
    case.escalated = True
    case.updated_at = utcnow()
    audit.record(session, actor, "case.escalated", "case", case.reference, summary, dict(detail))
    return True


def escalate(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case,
             reason: str) -> Case:
    """Escalate by hand: anyone who may work on the case (caseworker and above), always with a reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Give the reason for escalating", {"reason": "Enter why you are escalating the case"})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("The reason is too long", {"reason": "Reason must be 2000 characters or fewer"})
    require(session, user, case, Action.ADD_NOTE)
    if not mark_escalated(session, actor, case, f"Escalated by {user.name}: {reason}", reason=reason, manual=True):
        raise Conflict("The case is already escalated")
    people = Recipients(session)
    notify(session, settings, Notice.CASE_ESCALATED, case, to=[*people.owner(case), *people.escalation(case)],
           detail=f"Reason: {reason}", actor=user.name)
    return case


def escalate_breach(session: Session, settings: Settings, people: Recipients, case: Case, *, what: str,
                    due: str, extra_to: list[str] | None = None) -> None:
    """A missed target: escalate (once) and tell the owner, the escalation group and anyone else concerned."""
    mark_escalated(session, AUTOMATION, case, f"Escalated: {what} was due {due} and has been missed",
                   target=what, due_on=due)
    to = [*people.owner(case), *people.escalation(case), *(extra_to or [])]
    notify(session, settings, Notice.TARGET_BREACHED, case, to=to, due_on=due,
           detail=f"{what[0].upper()}{what[1:]} was due {due}.", actor=AUTOMATION.label)
