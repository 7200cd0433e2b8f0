"""The case page: everything about one case, and the forms for what the person may do to it.

``allowed_actions`` decides which forms are offered; each action's handler
calls the domain, which checks again. The same page is shown again, with the
error summary and the person's input, when an action is refused for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from backoffice.cases.access import Action, allowed_actions, can_see
from backoffice.cases.case_types import allowed_targets
from backoffice.cases.exemptions import exemptions_for
from backoffice.cases.models import Case, StatusKind
from backoffice.cases.queues import time_left
from backoffice.cases.tasks import OPEN, tasks_of
from backoffice.cases.timeline import timeline
from backoffice.cases.workflow import (
    attachments_of,
    eligible_owners,
    get_case,
    is_watching,
    linked_cases,
    notes_of,
    restricted_to,
)
from backoffice.casework.web.clock_actions import clock_view
from backoffice.casework.web.common import actor_of, pop_flash
from backoffice.casework.web.listing import names_of_groups, names_of_users
from backoffice.casework.web.reviews import reviews_view
from backoffice.disclosures.publishing import can_publish, publication_of
from backoffice.intake.new_cases import FORM_ANSWERS, Answer
from backoffice.notifications.undelivered import undelivered_for_case
from backoffice.releases.management import shares_of
from backoffice.retention.web.pages import retention_view
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import audit
from shared.files import DOCUMENTS, limit_in_words, upload_limit
from shared.files.service import scan_status_message
from shared.settings import Settings
from shared.web import RequestContext
from shared.web.forms import error_summary

TEMPLATE = "backoffice/cases/case.html"
#: Field ids in page order, for the error summary.
ORDER = ("status", "assign-group", "assign-owner", "tasks", "task-title", "task-due", "note", "note-visibility",
         "attachment-file", "attachment-description", "shares", "email-subject", "email-body", "link-reference")


def show(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    case = get_case(ctx.db, user, ctx.request.path_params["reference"])
    record_view(ctx, case)
    return ctx.render(TEMPLATE, {**case_context(ctx.db, user, case), "upload": upload_rules(ctx.settings),
                                 "flash": pop_flash(ctx)})


def show_with_errors(ctx: RequestContext, errors: Mapping[str, str], values: Mapping[str, Any],
                     anchors: Mapping[str, str] | None = None, status_code: int = 422) -> Response:
    """The case page again after an action refused in ``ctx.attempt()``: nothing of it is kept but what was typed."""
    user = current_user(ctx)
    case = get_case(ctx.db, user, ctx.request.path_params["reference"])
    record_view(ctx, case)
    context = {**case_context(ctx.db, user, case), "upload": upload_rules(ctx.settings), "values": dict(values),
               **error_summary(errors, ORDER, anchors)}
    return ctx.render(TEMPLATE, context, status_code=status_code)


def record_view(ctx: RequestContext, case: Case) -> None:
    """The page shows the requester's personal data: who saw it goes in the audit log.

    Written last and kept whatever the request's outcome, so the page shown again
    after a refused action (whose own work is undone) is recorded too.
    """
    actor, reference = actor_of(ctx), case.reference

    def write(session: Session) -> None:
        audit.record(session, actor, "case.viewed", "case", reference, "Case viewed")

    ctx.write_last(write)


def case_context(session: Session, user: StaffUser, case: Case) -> dict[str, Any]:
    actions = allowed_actions(session, user, case)
    tasks = tasks_of(session, case)
    people = names_of_users(session, {i for i in [case.owner_id, *(t.assignee_id for t in tasks)] if i is not None})
    teams = names_of_groups(session, {i for i in [case.team_group_id, *(t.group_id for t in tasks)] if i is not None})
    text, colour = time_left(case)
    outcomes = {o["key"]: o["label"] for o in case.case_type.closure_outcomes}
    exemption_labels = exemptions_for(session, case.case_type)
    return {
        "case": case,
        "actions": {a.value for a in actions},
        "closed": case.status.kind == StatusKind.CLOSED,
        "time_left": text,
        "colour": colour,
        "clock": clock_view(session, case, actions),
        "undelivered": undelivered_for_case(session, case.reference),
        "owner_name": people.get(case.owner_id or 0),
        "team_name": teams.get(case.team_group_id or 0),
        "outcome": outcomes.get(case.outcome or "", case.outcome),
        "exemptions": [exemption_labels.get(key, key) for key in case.exemptions or []],
        "linked": [c for c in linked_cases(session, case) if can_see(session, user, c)],
        "tasks": tasks,
        "open_tasks": sum(1 for t in tasks if t.status == OPEN),
        "people": people,
        "teams": teams,
        "notes": notes_of(session, case),
        "answers": form_answers(case),
        "attachments": [(a, f, scan_status_message(f)) for a, f in attachments_of(session, case)],
        "shares": shares_of(session, user, case),
        "publication": publication_of(session, case),
        "may_publish": can_publish(session, user, case),
        "timeline": timeline(session, case),
        "watching": is_watching(session, user, case),
        "statuses": [s for s in allowed_targets(session, case.status_id) if s.kind != StatusKind.CLOSED]
        if Action.CHANGE_STATUS in actions else [],
        "groups": list(session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.name)))
        if Action.ASSIGN in actions else [],
        "owners": eligible_owners(session, case) if Action.ASSIGN in actions else [],
        "restricted_to": restricted_to(session, case),
        **reviews_view(session, user, case),
        **retention_view(session, user, case),
    }


def form_answers(case: Case) -> list[Answer]:
    """The requester's answers the case was made with (``intake.FORM_ANSWERS``); none for other cases."""
    stored = (case.details or {}).get(FORM_ANSWERS)
    if not isinstance(stored, list):
        return []
    return [Answer(str(item.get("question", "")), str(item.get("answer", ""))) for item in stored
            if isinstance(item, dict)]


def upload_rules(settings: Settings) -> dict[str, str]:
    """What the upload form states before a file is chosen: the allowed types and the size limit."""
    return {"kinds": DOCUMENTS.labels, "limit": limit_in_words(upload_limit(settings, DOCUMENTS)),
            "accept": ",".join(ext for kind in DOCUMENTS.kinds for ext in kind.extensions)}
