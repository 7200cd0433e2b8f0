"""Who may see a SAR or complaint: restrict it to named teams, or lift the restriction.

One question page ("Who can see this case?") with a reason, as the Design
System's question pages are; the case page confirms the change in its success
banner and shows the restriction from then on. Offered to those the domain
lets restrict (managers and administrators who may see the case); the domain
checks again on POST. Someone who restricts a case to teams they are not in
no longer sees it, so they are sent to the case list instead of a 403.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions, can_see
from backoffice.cases.models import Case, StatusKind
from backoffice.casework.web.common import actor_of, flash, form_values
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

TEMPLATE = "backoffice/cases/restriction.html"
EVERYONE, NAMED = "everyone", "named"
ORDER = ("who", "groups", "reason")


def may_restrict(ctx: RequestContext, user: StaffUser, case: Case) -> bool:
    """Whether the case page offers the link: the domain's own conditions, checked again on POST."""
    return (case.case_type.restrictable and case.status.kind != StatusKind.CLOSED
            and Action.ASSIGN in allowed_actions(ctx.db, user, case))


def _group_ids(ctx: RequestContext) -> set[int]:
    """The ticked teams; anything that is not a plain small number names no team."""
    raw = [v for v in (ctx.form.getlist("groups") if ctx.form else []) if isinstance(v, str)]
    return {int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 10}


def restriction(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if not may_restrict(ctx, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
    if ctx.is_read:
        current = workflow.restricted_to(ctx.db, case)
        values = {"who": NAMED if current else EVERYONE, "groups": [str(g.id) for g in current]}
        return _form(ctx, case, values)
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    reference, who, reason = case.reference, ctx.field("who"), ctx.field("reason")
    try:
        if who == NAMED:
            with ctx.attempt():
                workflow.restrict(ctx.db, actor_of(ctx), user, case, _group_ids(ctx), reason=reason)
            names = ", ".join(g.name for g in workflow.restricted_to(ctx.db, case))
            message = f"Only {names} can now see this case"
        elif who == EVERYONE:
            with ctx.attempt():
                workflow.lift_restriction(ctx.db, actor_of(ctx), user, case, reason=reason)
            message = "The restriction is removed: everyone in the teams that handle the case type can see it"
        else:
            raise InvalidInput("Select who can see the case", {"who": "Select who can see this case"})
    except InvalidInput as exc:
        return _again(ctx, exc.errors or {"who": exc.detail})
    except Conflict as exc:
        return _again(ctx, {"who": exc.detail}, 409)
    ctx.db.flush()
    if not can_see(ctx.db, user, case):
        flash(ctx, f"{message}. You are not in those teams, so you can no longer open {reference}")
        return ctx.redirect("all-cases")
    flash(ctx, message)
    return ctx.redirect("case", reference=reference)


def _again(ctx: RequestContext, errors: dict[str, str], status_code: int = 422) -> Response:
    values = form_values(ctx)
    groups = values.get("groups", [])
    values["groups"] = groups if isinstance(groups, list) else [groups]
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    return _form(ctx, case, values, errors, status_code)


def _form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    context = {
        "case": case,
        "values": values,
        "groups": list(ctx.db.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.name))),
        "restricted_to": workflow.restricted_to(ctx.db, case),
        **(error_summary(errors, ORDER, {"who": "who", "groups": "groups"}) if errors else {}),
    }
    return ctx.render(TEMPLATE, context, status_code=status_code)
