"""Case types: the list, and one type's settings, statuses, transitions, task templates and outcomes.

The case type page holds several small forms; whichever one fails is shown
again on the same page with its errors, the others as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.admin.web.common import chosen_id, field_errors, optional_int, path_int
from backoffice.cases import case_types
from backoffice.cases.models import CaseType, StatusKind
from backoffice.clocks import RULES
from backoffice.deadlines.permissions import GRANTABLE, ClockAction, permissions_of, set_permission
from backoffice.retention import schedule
from backoffice.staff.groups import list_groups
from shared.errors import DomainError
from shared.numbers import parse_int
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

SETTINGS_ORDER = ("name", "reference_prefix", "deadline_rule", "extension_days", "share_days", "retention_months", "web_enabled",
                  "responsible_group", "escalation_group", "groups")
TASK_ORDER = ("task_title", "task_due", "task_group")


def index(ctx: RequestContext) -> Response:
    rule_titles = {key: rule.title for key, rule in RULES.items()}
    return render_form(ctx, "backoffice/admin/case_types.html",
                  {"case_types": case_types.case_types(ctx.db), "rule_titles": rule_titles})


def show(ctx: RequestContext, errors: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None,
         order: tuple[str, ...] = ()) -> Response:
    """The case type page; after a failed form, ``values`` keeps what was typed into it."""
    case_type = case_types.case_type_by_id(ctx.db, path_int(ctx, "case_type_id"))
    statuses = list(case_type.statuses)
    context = {
        "case_type": case_type,
        "statuses": statuses,
        "from_statuses": [s for s in statuses if s.kind != StatusKind.CLOSED],
        "to_statuses": [s for s in statuses if s.kind != StatusKind.OPEN],
        "transitions": case_types.transitions(ctx.db, case_type.id),
        "handling": case_types.handling_group_ids(ctx.db, case_type.id),
        "task_templates": case_types.task_templates(ctx.db, case_type.id),
        "groups": [group for group, _ in list_groups(ctx.db, active_only=True)],
        "rules": sorted(RULES.values(), key=lambda rule: rule.title),
        "clock_permissions": {a.value: {r.value for r in roles} for a, roles in permissions_of(ctx.db, case_type.id).items()},
        "clock_roles": [role.value for role in GRANTABLE],
        "values": dict(values or {}),
    }
    return render_form(ctx, "backoffice/admin/case_type.html", context, errors, order)


def _group_ids(ctx: RequestContext) -> set[int]:
    return {group.id for group, _ in list_groups(ctx.db)}


def _back(ctx: RequestContext, anchor: str = "") -> Response:
    response = ctx.redirect("admin-case-type", case_type_id=path_int(ctx, "case_type_id"))
    if anchor:
        response.headers["location"] += "#" + anchor
    return response


def save_settings(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx)
    case_type_id = path_int(ctx, "case_type_id")
    allowed = _group_ids(ctx)
    form = ctx.form
    assert form is not None
    values: dict[str, Any] = {name: ctx.field(name) for name in SETTINGS_ORDER}
    values["groups"] = [str(v) for v in form.getlist("groups")]
    values["web_enabled"] = ctx.field("web_enabled") == "yes"
    errors: dict[str, str] = {}
    try:
        extension_days = optional_int(values["extension_days"])
    except ValueError:
        errors["extension_days"] = "Extension days must be a whole number, like 20"
        extension_days = None
    # A form without the field (an older page still open) leaves the type's share length as it is.
    share_days = parse_int(values["share_days"].strip())
    if share_days is None and "share_days" in form:
        errors["share_days"] = ("Enter how many days documents sent securely stay available"
                                if not values["share_days"].strip() else "Days must be a whole number, like 30")
    retention: int | None = None
    try:
        retention = schedule.parse_months(values["retention_months"])
    except DomainError as exc:
        errors.update(exc.errors)
    responsible = chosen_id(values["responsible_group"], allowed)
    escalation = chosen_id(values["escalation_group"], allowed)
    if values["responsible_group"] and responsible is None:
        errors["responsible_group"] = "Select the responsible group from the list"
    if values["escalation_group"] and escalation is None:
        errors["escalation_group"] = "Select the escalation group from the list"
    handling = {chosen for v in values["groups"] if (chosen := chosen_id(v, allowed)) is not None}
    actor = ctx.actor
    assert actor is not None
    try:
        case_types.update_case_type(
            ctx.db, actor, case_type_id, name=values["name"], reference_prefix=values["reference_prefix"],
            deadline_rule=values["deadline_rule"], web_enabled=values["web_enabled"],
            responsible_group_id=responsible, escalation_group_id=escalation,
            extension_days=None if "extension_days" in errors else extension_days, share_days=share_days,
        )
    except DomainError as exc:
        errors = {**field_errors(exc, "name"), **errors}
    if "retention_months" in form and "retention_months" not in errors:
        schedule.set_retention(ctx.db, actor, ctx.db.get_one(CaseType, case_type_id), retention)
    try:
        case_types.set_handling_groups(ctx.db, actor, case_type_id, handling)
    except DomainError as exc:
        errors.update(field_errors(exc, "groups"))
    if errors:
        return show(ctx, errors, {"settings": values}, SETTINGS_ORDER)
    return _back(ctx)


def rename_status(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "statuses")
    status_id = path_int(ctx, "status_id")
    if status_id not in {s.id for s in case_types.case_type_by_id(ctx.db, path_int(ctx, "case_type_id")).statuses}:
        return show(ctx, {f"label-{status_id}": "Select a status of this case type"})
    label = ctx.field("label")
    try:
        assert ctx.actor is not None
        case_types.rename_status(ctx.db, ctx.actor, status_id, label)
    except DomainError as exc:
        message = next(iter(field_errors(exc, "label").values()))
        return show(ctx, {f"label-{status_id}": message}, {"labels": {status_id: label}})
    return _back(ctx, "statuses")


def add_status(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "statuses")
    label = ctx.field("new_status")
    try:
        assert ctx.actor is not None
        case_types.add_status(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), label)
    except DomainError as exc:
        message = next(iter(field_errors(exc, "label").values()))
        return show(ctx, {"new_status": message}, {"new_status": label})
    return _back(ctx, "statuses")


def save_transitions(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "transitions")
    assert ctx.form is not None
    pairs: set[tuple[int, int]] = set()
    for value in ctx.form.getlist("move"):
        source, _, target = str(value).partition("-")
        pair = parse_int(source), parse_int(target)
        # A move we never offered names no status of this type: the domain refuses it with the others.
        pairs.add((-1, -1) if pair[0] is None or pair[1] is None else (pair[0], pair[1]))
    try:
        assert ctx.actor is not None
        case_types.set_transitions(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), pairs)
    except DomainError as exc:
        message = next(iter(field_errors(exc, "transitions").values()))
        return show(ctx, {"transitions": message}, {"moves": pairs})
    return _back(ctx, "transitions")


def add_task_template(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return _back(ctx, "tasks")
    values = {name: ctx.field(name) for name in TASK_ORDER}
    errors: dict[str, str] = {}
    if not values["task_title"].strip():
        errors["task_title"] = "Enter a title of up to 200 characters"
    try:
        due = optional_int(values["task_due"])
    except ValueError:
        errors["task_due"] = "Days to complete must be a whole number, like 10"
        due = None
    group_id = chosen_id(values["task_group"], _group_ids(ctx))
    if values["task_group"] and group_id is None:
        errors["task_group"] = "Select a group from the list"
    if not errors:
        try:
            assert ctx.actor is not None
            case_types.add_task_template(ctx.db, ctx.actor, path_int(ctx, "case_type_id"), values["task_title"],
                                         due, group_id)
        except DomainError as exc:
            renamed = {"title": "task_title", "due_in_working_days": "task_due"}
            errors = {renamed.get(k, k): v for k, v in field_errors(exc, "title").items()}
    if errors:
        return show(ctx, errors, {"task": values}, TASK_ORDER)
    return _back(ctx, "tasks")


def save_clock_permissions(ctx: RequestContext) -> Response:
    """Which roles may stop, restart and extend this type's clock: one checkbox per role and action."""
    if repeated(ctx):
        return _back(ctx, "clock")
    case_type = case_types.case_type_by_id(ctx.db, path_int(ctx, "case_type_id"))
    assert ctx.form is not None and ctx.actor is not None
    for action in ClockAction:
        chosen = set(ctx.form.getlist(action.value))
        for role in GRANTABLE:
            set_permission(ctx.db, ctx.actor, case_type, action, role, role.value in chosen)
    return _back(ctx, "clock")
