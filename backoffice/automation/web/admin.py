"""A case type's automation settings: the stopped-clock limit, reminders, milestones and routines.

Several small forms on one page; the one that fails comes back with its errors in the GOV.UK error
summary (422, so nothing half-done is stored) and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.admin.web.common import chosen_id, field_errors, path_int
from backoffice.automation import config
from backoffice.automation.models import AppliesTo, Trigger, Unit
from backoffice.cases.case_types import case_type_by_id
from backoffice.cases.models import StatusKind
from backoffice.notifications import DEFAULTS
from backoffice.staff.groups import list_groups
from shared.errors import DomainError
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

TEMPLATE = "backoffice/automation/admin.html"
ORDER = ("limit", "applies_to", "amount", "unit", "milestone_name", "milestone_days", "routine_name", "trigger",
         "trigger_status", "days", "actions", "action_status", "action_note", "action_group", "action_notify",
         "action_notice")


def show(ctx: RequestContext, errors: Mapping[str, str] | None = None,
         values: Mapping[str, Any] | None = None) -> Response:
    case_type = case_type_by_id(ctx.db, path_int(ctx, "case_type_id"))
    context = {
        "case_type": case_type,
        "config": config.for_type(ctx.db, case_type.id),
        "statuses": list(case_type.statuses),
        "in_progress": [s for s in case_type.statuses if s.kind == StatusKind.IN_PROGRESS.value],
        "groups": [group for group, _ in list_groups(ctx.db, active_only=True)],
        "units": list(Unit), "applies": list(AppliesTo), "triggers": list(Trigger),
        "notices": [(n.value, DEFAULTS[n].title) for n in config.STAFF_NOTICES],
        "values": dict(values or {}),
    }
    return render_form(ctx, TEMPLATE, context, errors, ORDER)


def _back(ctx: RequestContext, anchor: str) -> Response:
    response = ctx.redirect("admin-automation", case_type_id=path_int(ctx, "case_type_id"))
    response.headers["location"] += "#" + anchor
    return response


def _values(ctx: RequestContext, *names: str) -> dict[str, Any]:
    form = ctx.form
    return {name: [str(v) for v in form.getlist(name)] if form is not None and name == "notify_to"
            else ctx.field(name) for name in names}


def save_limit(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "limit-section")
    assert ctx.actor is not None
    try:
        config.set_stopped_clock_limit(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), ctx.field("limit"))
    except DomainError as exc:
        return show(ctx, field_errors(exc, "limit"), _values(ctx, "limit"))
    return _back(ctx, "limit-section")


def add_reminder(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "reminders")
    values = _values(ctx, "applies_to", "amount", "unit")
    assert ctx.actor is not None
    try:
        config.add_reminder(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), **values)
    except DomainError as exc:
        return show(ctx, field_errors(exc, "amount"), values)
    return _back(ctx, "reminders")


def add_milestone(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "milestones")
    values = _values(ctx, "milestone_name", "milestone_days")
    assert ctx.actor is not None
    try:
        config.add_milestone(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), name=values["milestone_name"],
                             working_days=values["milestone_days"])
    except DomainError as exc:
        return show(ctx, field_errors(exc, "milestone_name"), values)
    return _back(ctx, "milestones")


def add_routine(ctx: RequestContext) -> Response:
    """One form builds a routine: any of the four actions, each used when its field is filled in."""
    if repeated(ctx):
        return _back(ctx, "routines")
    case_type = case_type_by_id(ctx.db, path_int(ctx, "case_type_id"))
    values = _values(ctx, "routine_name", "trigger", "trigger_status", "days", "action_status", "action_note",
                     "action_group", "notify_to", "action_notice")
    statuses = {s.id for s in case_type.statuses}
    groups = {g.id for g, _ in list_groups(ctx.db, active_only=True)}
    errors: dict[str, str] = {}
    actions: list[dict[str, Any]] = []
    if values["action_status"]:
        status_id = chosen_id(values["action_status"], statuses)
        actions.append({"type": "change_status", "status_id": status_id or -1})
    if values["action_note"].strip():
        actions.append({"type": "add_note", "text": values["action_note"].strip()})
    if values["action_group"]:
        actions.append({"type": "reassign", "group_id": chosen_id(values["action_group"], groups) or -1})
    if values["notify_to"] or values["action_notice"]:
        actions.append({"type": "notify", "to": values["notify_to"], "notice": values["action_notice"]})
    trigger_status = chosen_id(values["trigger_status"], statuses) if values["trigger_status"] else None
    if values["trigger_status"] and trigger_status is None:
        errors["trigger_status"] = "Select a status of this case type"
    assert ctx.actor is not None
    try:
        config.add_routine(ctx.db, ctx.actor, case_type.id, name=values["routine_name"], trigger=values["trigger"],
                           status_id=trigger_status, days=values["days"], actions=actions)
    except DomainError as exc:
        errors = {**field_errors(exc, "routine_name"), **errors}
    if errors:
        return show(ctx, errors, values)
    return _back(ctx, "routines")


def remove(ctx: RequestContext) -> Response:
    what = ctx.request.path_params["what"]
    anchor = {"reminder": "reminders", "milestone": "milestones", "routine": "routines"}.get(what)
    if anchor is None or repeated(ctx):
        return _back(ctx, anchor or "reminders")
    assert ctx.actor is not None
    config.remove(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), what, path_int(ctx, "row_id"))
    return _back(ctx, anchor)
