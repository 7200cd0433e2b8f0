"""Who hears about what happens to a case.

One subscriber per case event (``backoffice.cases.events``), registered at start-up from
``SUBSCRIBERS``. Each decides the recipients and leaves out the person who acted: nobody is emailed
about their own action. Whether a notification goes at all, and its wording, is the case type's
choice (``dispatch``); the email itself is queued by ``sending``, in the publisher's transaction.

Escalation and target reminders are the automation's events; it calls ``notify`` with
``Notice.TARGET_NEAR``, ``TARGET_BREACHED`` and ``CASE_ESCALATED`` itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.models import Case, CaseWatcher, Task
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import is_enabled
from backoffice.notifications.options import group_emails_on
from backoffice.notifications.sending import clean, send
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group, GroupMember
from shared import audit


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


def _case(session: Session, event: events.CaseEvent) -> Case:
    case = session.get(Case, event.case_id)
    assert case is not None, "an event is published by the transaction that holds its case"
    return case


def _by(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    assert user is not None, "an event names the staff user who acted"
    return user


def acknowledges(session: Session, case: Case) -> bool:
    """Whether a requester's acknowledgement goes for ``case``: it has an address and its type has the notice on.

    The subscriber below asks exactly this, so a door (Capture's confirmation page) can say
    "we have emailed you" without sending anything itself.
    """
    return bool(clean([case.requester_email])) and is_enabled(session, case.case_type_id,
                                                              Notice.REQUESTER_ACKNOWLEDGEMENT)


def case_created(session: Session, event: events.CaseCreated) -> None:
    """The responsible team hears of a new case (unless group emails are off); the requester when the door asks.

    Intake itself does not ask, so an import does not mail hundreds of people.
    """
    case = _case(session, event)
    if group_emails_on(session) and not event.historical:
        send(session, Notice.CASE_RAISED, case, group_addresses(session, case.team_group_id),
             leave_out=[_staff_email(event.actor)])
    if event.acknowledge:
        send(session, Notice.REQUESTER_ACKNOWLEDGEMENT, case, [case.requester_email])


def case_assigned(session: Session, event: events.CaseAssigned) -> None:
    """A new owner is told; a case handed to a team with nobody named tells the team (if group emails are on)."""
    case, by = _case(session, event), _by(session, event.by_user_id)
    if event.new_owner_id is not None:
        send(session, Notice.CASE_ASSIGNED, case, [_email_of(session, event.new_owner_id)], leave_out=[by.email],
             actor=by.name)
    elif event.new_group_id is not None and group_emails_on(session):
        send(session, Notice.CASE_ASSIGNED, case, group_addresses(session, event.new_group_id),
             leave_out=[by.email], actor=by.name)


def _task_people(session: Session, case: Case, task_id: int) -> tuple[list[str | None], str]:
    task = session.get(Task, task_id)
    assert task is not None
    return [owner_email(session, case), _email_of(session, task.assignee_id)], task.title


def task_assigned(session: Session, event: events.TaskAssigned) -> None:
    """The case owner and the task's assignee, unless they added it themselves."""
    case, by = _case(session, event), _by(session, event.by_user_id)
    to, title = _task_people(session, case, event.task_id)
    send(session, Notice.TASK_ASSIGNED, case, to, leave_out=[by.email], actor=by.name, detail=title)


def task_finished(session: Session, event: events.TaskFinished) -> None:
    case, by = _case(session, event), _by(session, event.by_user_id)
    to, title = _task_people(session, case, event.task_id)
    notice = Notice.TASK_COMPLETED if event.completed else Notice.TASK_CANCELLED
    send(session, notice, case, to, leave_out=[by.email], actor=by.name, detail=title)


def contact_details_changed(session: Session, event: events.ContactDetailsChanged) -> None:
    """The owner is told; so is the requester, at the old address too, in case the change was not theirs."""
    case, by = _case(session, event), _by(session, event.by_user_id)
    send(session, Notice.CONTACT_DETAILS_CHANGED, case, [owner_email(session, case)], leave_out=[by.email],
         actor=by.name)
    send(session, Notice.REQUESTER_DETAILS_CHANGED, case, [case.requester_email, event.previous_email])


def requester_contacted(session: Session, event: events.RequesterContacted) -> None:
    """Watchers, and an owner who did not send the email themselves."""
    case, by = _case(session, event), _by(session, event.by_user_id)
    send(session, Notice.REQUESTER_CONTACTED, case, [owner_email(session, case), *watcher_emails(session, case)],
         leave_out=[by.email], actor=by.name)


def note_added(session: Session, event: events.NoteAdded) -> None:
    """Only a note by someone other than the owner; on an unowned case the team hears."""
    case, by = _case(session, event), _by(session, event.by_user_id)
    if case.owner_id == by.id:
        return
    to = [owner_email(session, case)] if case.owner_id else group_addresses(session, case.team_group_id)
    send(session, Notice.NOTE_BY_STAFF, case, to, leave_out=[by.email], actor=by.name)


def note_by_requester(session: Session, case: Case) -> int:
    """For the requester's own messages (no public page takes them yet): the owner, else the team."""
    to = [owner_email(session, case)] if case.owner_id else group_addresses(session, case.team_group_id)
    return send(session, Notice.NOTE_BY_REQUESTER, case, to)


def case_closed(session: Session, event: events.CaseClosed) -> None:
    """The owner and the watchers (not whoever closed it), and the requester with the outcome."""
    case = _case(session, event)
    by = _by(session, event.by_user_id) if event.by_user_id is not None else None  # None: an API client
    send(session, Notice.CASE_CLOSED, case, [owner_email(session, case), *watcher_emails(session, case)],
         leave_out=[by.email if by else None], actor=by.name if by else event.actor.label,
         detail=event.outcome_label)
    send(session, Notice.REQUESTER_CASE_CLOSED, case, [case.requester_email],
         detail=f"Outcome: {event.outcome_label}.")


#: Registered at start-up by ``backoffice.plugin``.
SUBSCRIBERS: tuple[events.Subscription, ...] = (
    (events.CaseCreated, case_created),
    (events.CaseAssigned, case_assigned),
    (events.TaskAssigned, task_assigned),
    (events.TaskFinished, task_finished),
    (events.ContactDetailsChanged, contact_details_changed),
    (events.RequesterContacted, requester_contacted),
    (events.NoteAdded, note_added),
    (events.CaseClosed, case_closed),
)
