"""Who hears about what happens to a case.

One function per event, called by the domain function that made the change,
inside its transaction. Each decides the recipients and leaves out the person
who acted: nobody is emailed about their own action. Whether a notification
goes at all, and its wording, is the case type's choice (``dispatch``).

Escalation and target reminders are the automation's events; it calls
``notify`` with ``Notice.TARGET_NEAR``, ``TARGET_BREACHED`` and
``CASE_ESCALATED`` itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseWatcher, Task
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.options import group_emails_on
from backoffice.notifications.sending import send
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group, GroupMember
from shared import audit
from shared.settings import Settings


def _email_of(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(StaffUser, user_id)
    return user.email if user is not None and user.active else None


def owner_email(session: Session, case: Case) -> str | None:
    return _email_of(session, case.owner_id)


def group_addresses(session: Session, group_id: int | None) -> list[str]:
    """Every active member of the group, and the group's own mailbox when it has one."""
    group = session.get(Group, group_id) if group_id is not None else None
    if group is None or not group.active:
        return []
    members = session.scalars(select(StaffUser.email).join(GroupMember, GroupMember.user_id == StaffUser.id)
                              .where(GroupMember.group_id == group.id, StaffUser.active.is_(True)))
    return [*members, *([group.email] if group.email else [])]


def watcher_emails(session: Session, case: Case) -> list[str]:
    return list(session.scalars(select(StaffUser.email).join(CaseWatcher, CaseWatcher.user_id == StaffUser.id)
                                .where(CaseWatcher.case_id == case.id, StaffUser.active.is_(True))))


def _staff_email(actor: audit.Actor | None) -> str | None:
    """A staff actor's label is their email address; anyone else cannot be a recipient anyway."""
    return actor.label if actor is not None and actor.type == "staff" else None


def case_raised(session: Session, settings: Settings | None, case: Case, actor: audit.Actor | None = None) -> int:
    """The responsible team hears of a new case, unless group emails are off."""
    if not group_emails_on(session):
        return 0
    return send(session, settings, Notice.CASE_RAISED, case, group_addresses(session, case.team_group_id),
                leave_out=[_staff_email(actor)])


def acknowledge_requester(session: Session, settings: Settings | None, case: Case) -> int:
    """The requester's acknowledgement, in the case type's wording unless the type has it off.

    Every door that should acknowledge calls it: Capture when a web form is
    confirmed (the case's address is the one the requester proved), the API and
    the staff form. Not sent from intake itself, so an import does not mail
    hundreds of people. Returns how many emails were queued (0 or 1).
    """
    return send(session, settings, Notice.REQUESTER_ACKNOWLEDGEMENT, case, [case.requester_email])


def case_assigned(session: Session, settings: Settings | None, case: Case, *, by: StaffUser,
                  new_owner: StaffUser | None, new_group: Group | None) -> int:
    """A new owner is told; a case handed to a team with nobody named tells the team (if group emails are on)."""
    if new_owner is not None:
        return send(session, settings, Notice.CASE_ASSIGNED, case, [new_owner.email], leave_out=[by.email],
                    actor=by.name)
    if new_group is not None and group_emails_on(session):
        return send(session, settings, Notice.CASE_ASSIGNED, case, group_addresses(session, new_group.id),
                    leave_out=[by.email], actor=by.name)
    return 0


def task_assigned(session: Session, settings: Settings | None, case: Case, task: Task, *, by: StaffUser) -> int:
    return send(session, settings, Notice.TASK_ASSIGNED, case,
                [owner_email(session, case), _email_of(session, task.assignee_id)],
                leave_out=[by.email], actor=by.name, detail=task.title)


def task_finished(session: Session, settings: Settings | None, case: Case, task: Task, *, by: StaffUser,
                  completed: bool) -> int:
    notice = Notice.TASK_COMPLETED if completed else Notice.TASK_CANCELLED
    return send(session, settings, notice, case, [owner_email(session, case), _email_of(session, task.assignee_id)],
                leave_out=[by.email], actor=by.name, detail=task.title)


def contact_details_changed(session: Session, settings: Settings | None, case: Case, *, by: StaffUser,
                            previous_email: str | None) -> int:
    """The owner is told; so is the requester, at the old address too, in case the change was not theirs."""
    told = send(session, settings, Notice.CONTACT_DETAILS_CHANGED, case, [owner_email(session, case)],
                leave_out=[by.email], actor=by.name)
    return told + send(session, settings, Notice.REQUESTER_DETAILS_CHANGED, case,
                       [case.requester_email, previous_email])


def requester_contacted(session: Session, settings: Settings | None, case: Case, *, by: StaffUser) -> int:
    """Watchers, and an owner who did not send the email themselves."""
    return send(session, settings, Notice.REQUESTER_CONTACTED, case,
                [owner_email(session, case), *watcher_emails(session, case)], leave_out=[by.email], actor=by.name)


def note_by_staff(session: Session, settings: Settings | None, case: Case, *, by: StaffUser) -> int:
    """Only a note by someone other than the owner; on an unowned case the team hears."""
    if case.owner_id == by.id:
        return 0
    to = [owner_email(session, case)] if case.owner_id else group_addresses(session, case.team_group_id)
    return send(session, settings, Notice.NOTE_BY_STAFF, case, to, leave_out=[by.email], actor=by.name)


def note_by_requester(session: Session, settings: Settings | None, case: Case) -> int:
    """For the requester's own messages (no public page takes them yet): the owner, else the team."""
    to = [owner_email(session, case)] if case.owner_id else group_addresses(session, case.team_group_id)
    return send(session, settings, Notice.NOTE_BY_REQUESTER, case, to)


def case_closed(session: Session, settings: Settings | None, case: Case, *, by: StaffUser, outcome: str) -> int:
    told = send(session, settings, Notice.CASE_CLOSED, case,
                [owner_email(session, case), *watcher_emails(session, case)],
                leave_out=[by.email], actor=by.name, detail=outcome)
    return told + send(session, settings, Notice.REQUESTER_CASE_CLOSED, case, [case.requester_email],
                       detail=f"Outcome: {outcome}.")
