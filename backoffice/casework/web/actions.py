"""The case page's POST actions: each parses its form, calls one domain function and redirects (303)
back to the case page with a success message. Refused input shows the case page again with errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.responses import Response

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case
from backoffice.casework.web import case_page
from backoffice.casework.web.common import actor_of, case_date, flash, form_values, int_or_none
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared.errors import Conflict, InvalidInput
from shared.web import RequestContext
from shared.web.forms import repeated

#: Does the action, returns the success message; raises InvalidInput or Conflict to refuse it.
Perform = Callable[[RequestContext, StaffUser, Case], str]


def _run(ctx: RequestContext, perform: Perform, fields: Mapping[str, str], *, conflict_field: str,
         anchors: Mapping[str, str] | None = None) -> Response:
    """Find the case (the same 403 whether hidden or missing), act once per form key, redirect."""
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    reference = case.reference
    if repeated(ctx):
        return ctx.redirect("case", reference=reference)
    try:
        with ctx.attempt():
            message = perform(ctx, user, case)
    except InvalidInput as exc:
        errors = {fields.get(k, k): v for k, v in exc.errors.items()} or {conflict_field: exc.detail}
        return case_page.show_with_errors(ctx, errors, form_values(ctx), anchors)
    except Conflict as exc:
        return case_page.show_with_errors(ctx, {conflict_field: exc.detail}, form_values(ctx), anchors,
                                          status_code=409)
    flash(ctx, message)
    return ctx.redirect("case", reference=reference)


def claim(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        workflow.claim(ctx.db, actor_of(ctx), user, case)
        return "You have claimed this case"

    return _run(ctx, perform, {}, conflict_field="claim")


def assign(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        group_id = _picked(ctx, "group", "Select a team from the list")
        owner_id = _picked(ctx, "owner", "Select a person from the list")
        workflow.assign(ctx.db, actor_of(ctx), user, case, group_id=group_id, owner_id=owner_id)
        owner = ctx.db.get(StaffUser, owner_id) if owner_id is not None else None
        return f"Case assigned to {owner.name}" if owner else "Case assigned to the team's queue"

    return _run(ctx, perform, {"group": "assign-group", "owner": "assign-owner"}, conflict_field="assign-group")


def _picked(ctx: RequestContext, name: str, message: str) -> int | None:
    """The id chosen from a list, None when left blank; anything but an id was never offered."""
    value = ctx.field(name).strip()
    chosen = int_or_none(value)
    if value and chosen is None:
        raise InvalidInput(message, {name: message})
    return chosen


def change_status(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        status_id = int_or_none(ctx.field("status"))
        if status_id is None:
            raise InvalidInput("Select a status", {"status": "Select the new status"})
        workflow.change_status(ctx.db, actor_of(ctx), user, case, status_id)
        return f"Status changed to {case.status.label}"

    return _run(ctx, perform, {"status": "status"}, conflict_field="status")


def add_note(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        visibility = ctx.field("visibility")
        if visibility not in ("internal", "requester"):
            raise InvalidInput("Select who can see the note", {"note-visibility": "Select who can see the note"})
        workflow.add_note(ctx.db, actor_of(ctx), user, case, ctx.field("note"),
                          visible_to_requester=visibility == "requester")
        return "Note added" + (" (the requester can see it)" if visibility == "requester" else "")

    return _run(ctx, perform, {"note": "note"}, conflict_field="note")


def email_requester(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        workflow.email_requester(ctx.db, actor_of(ctx), user, case, subject=ctx.field("subject"),
                                 body=ctx.field("body"))
        return f"Email to {case.requester_email} is being sent"

    return _run(ctx, perform, {"subject": "email-subject", "body": "email-body"}, conflict_field="email-subject")


def link_case(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        other = ctx.field("other_reference").strip()
        if not other:
            raise InvalidInput("Enter a case reference", {"reference": "Enter the reference of the case to link"})
        workflow.link(ctx.db, actor_of(ctx), user, case, other)
        return f"Case linked to {other.upper()}"

    return _run(ctx, perform, {"reference": "link-reference"}, conflict_field="link-reference")


def watch(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        watching = ctx.field("watching") == "yes"
        workflow.watch(ctx.db, actor_of(ctx), user, case, watching)
        return "You are watching this case" if watching else "You have stopped watching this case"

    return _run(ctx, perform, {}, conflict_field="watch")


def add_task(ctx: RequestContext) -> Response:
    anchors: dict[str, str] = {}

    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        due = case_date(form_values(ctx), "due", "Due date", required=False)
        if due.error:
            anchors["task-due"] = due.anchor("task-due")
            raise InvalidInput("Check the due date", {"due_on": due.error})
        task = tasks.add_task(ctx.db, actor_of(ctx), user, case, title=ctx.field("title"), due_on=due.value)
        return f"Task added: {task.title}"

    anchors["task-due"] = "task-due-day"
    return _run(ctx, perform, {"title": "task-title", "due_on": "task-due"}, conflict_field="task-title",
                anchors=anchors)


def finish_task(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case) -> str:
        task_id: int = ctx.request.path_params["task_id"]  # {task_id:id}: bounded, converted
        outcome = ctx.field("outcome")
        task = tasks.finish_task(ctx.db, actor_of(ctx), user, case, task_id, outcome)
        return f"Task {'completed' if outcome == tasks.DONE else 'cancelled'}: {task.title}"

    return _run(ctx, perform, {"task": "tasks", "outcome": "tasks"}, conflict_field="tasks")
