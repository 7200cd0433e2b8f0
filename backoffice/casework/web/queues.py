"""My cases, the team queue and all open cases: GET pages that list, filter and page cases."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from backoffice.cases.queues import CaseFilter, find_cases
from backoffice.casework.web import filters
from backoffice.casework.web.common import int_or_none, pop_flash
from backoffice.casework.web.listing import page_number, pagination, rows
from backoffice.staff.access import current_user
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import GroupMember, group_ids_of
from shared.web import RequestContext
from shared.web.forms import error_summary

LIST = "backoffice/cases/list.html"


def my_cases(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    result = find_cases(ctx.db, user, CaseFilter(owner_id=user.id), page_number(ctx))
    return ctx.render(LIST, {
        "page_title": "My cases", "kind": "mine", "result": result, "rows": rows(ctx, result.cases),
        "pagination": pagination(ctx, result, "my-cases"), "flash": pop_flash(ctx),
    })


def team_queue(ctx: RequestContext) -> Response:
    """Open cases of the person's teams, the ones nobody has claimed first, optionally by owner."""
    user = current_user(ctx)
    groups = tuple(sorted(group_ids_of(ctx.db, user.id)))
    owner = ctx.request.query_params.get("owner", "").strip()[:20]
    owners = _team_members(ctx, groups)
    if owner not in {"", "none"} and owner not in {key for key, _ in owners}:
        owner = ""
    case_filter = CaseFilter(team_group_ids=groups, owner_id=int_or_none(owner), unowned=owner == "none",
                             sort="unowned")
    result = find_cases(ctx.db, user, case_filter, page_number(ctx)) if groups else None
    return ctx.render(LIST, {
        "page_title": "Team queue", "kind": "team", "result": result,
        "rows": rows(ctx, result.cases, user=user) if result else [],
        "pagination": pagination(ctx, result, "team-queue") if result else None,
        "owner": owner, "owners": owners, "flash": pop_flash(ctx),
    })


def _team_members(ctx: RequestContext, groups: tuple[int, ...]) -> list[tuple[str, str]]:
    if not groups:
        return []
    stmt = (select(StaffUser.id, StaffUser.name).join(GroupMember, GroupMember.user_id == StaffUser.id)
            .where(GroupMember.group_id.in_(groups), StaffUser.active.is_(True),
                   StaffUser.role != Role.READ_ONLY.value)
            .order_by(StaffUser.name).distinct())
    return [(str(user_id), name) for user_id, name in ctx.db.execute(stmt)]


def all_cases(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    form = filters.parse(ctx.db, ctx.request.query_params)
    result = None if form.errors else find_cases(ctx.db, user, form.case_filter, page_number(ctx))
    return ctx.render(LIST, {
        "page_title": "All open cases", "kind": "all", "result": result,
        "rows": rows(ctx, result.cases) if result else [],
        "pagination": pagination(ctx, result, "all-cases") if result else None,
        "values": form.values, "options": filters.options(ctx.db), "filtered": form.active,
        "flash": pop_flash(ctx),
        **(error_summary(form.errors, filters.ORDER, form.anchors) if form.errors else {}),
    })
