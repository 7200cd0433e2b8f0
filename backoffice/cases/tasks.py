"""Tasks on a case: assigned to a group or a person, with a due date; completed or cancelled."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.access import Action, require
from backoffice.cases.models import Case, Task
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import utcnow
from shared.errors import InvalidInput, NotFound

OPEN, DONE, CANCELLED = "open", "done", "cancelled"


def tasks_of(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.status != OPEN, Task.due_on, Task.id)))


def add_task(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, title: str,
    due_on: dt.date | None = None, group_id: int | None = None, assignee_id: int | None = None, description: str = "",
) -> Task:
    require(session, user, case, Action.MANAGE_TASKS)
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("Enter the task", {"title": "Enter a task title of up to 200 characters"})
    if due_on is not None and due_on < case.received_on:
        raise InvalidInput("The due date is too early", {"due_on": "Due date must be on or after the date received"})
    task = Task(case_id=case.id, title=title, description=description.strip()[:5000], due_on=due_on,
                group_id=group_id if group_id is not None else case.team_group_id, assignee_id=assignee_id)
    session.add(task)
    session.flush()
    audit.record(session, actor, "task.added", "case", case.reference, f"Task added: {title}", {"task_id": task.id})
    events.publish(session, events.TaskAssigned(case.id, actor, task_id=task.id, by_user_id=user.id))
    return task


def finish_task(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, task_id: int, outcome: str,
) -> Task:
    """Complete or cancel; doing it twice is the same as doing it once."""
    if outcome not in (DONE, CANCELLED):
        raise InvalidInput("Choose complete or cancel", {"outcome": "Choose complete or cancel"})
    task = session.get(Task, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound("No such task on this case")
    if task.status == outcome:
        return task
    require(session, user, case, Action.MANAGE_TASKS)
    if task.status != OPEN:
        raise InvalidInput("The task is already finished", {"task": f"The task was already {task.status}"})
    task.status = outcome
    task.finished_at = utcnow()
    task.finished_by = user.name
    verb = "completed" if outcome == DONE else "cancelled"
    audit.record(session, actor, f"task.{verb}", "case", case.reference, f"Task {verb}: {task.title}", {"task_id": task.id})
    events.publish(session, events.TaskFinished(case.id, actor, task_id=task.id, by_user_id=user.id,
                                                completed=outcome == DONE))
    return task
