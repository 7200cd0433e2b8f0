"""Turning a page of cases into table rows and a GOV.UK pagination component, for every case list."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.access import Action, allowed_actions_of
from backoffice.cases.models import Case
from backoffice.cases.queues import CasePage, time_left
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared.numbers import parse_int
from shared.web import RequestContext


def names_of_users(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.name for row in session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))}


def names_of_groups(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.name for row in session.execute(select(Group.id, Group.name).where(Group.id.in_(ids)))}


def rows(ctx: RequestContext, cases: list[Case], *, user: StaffUser | None = None) -> list[dict[str, Any]]:
    """One dict per case for ``_case_table.html``; with ``user``, whether they may claim it from the list."""
    owners = names_of_users(ctx.db, {c.owner_id for c in cases if c.owner_id is not None})
    teams = names_of_groups(ctx.db, {c.team_group_id for c in cases if c.team_group_id is not None})
    actions = allowed_actions_of(ctx.db, user, cases) if user is not None else {}
    result = []
    for case in cases:
        text, colour = time_left(case)
        result.append({
            "reference": case.reference,
            "href": ctx.path_for("case", reference=case.reference),
            "type": case.case_type.name,
            "subject": case.subject,
            "requester": case.requester_name,
            "status": case.status.label,
            "owner": owners.get(case.owner_id or 0, ""),
            "team": teams.get(case.team_group_id or 0, ""),
            "received_on": case.received_on,
            "due_on": case.due_on,
            "time_left": text,
            "colour": colour,
            "can_claim": Action.CLAIM in actions.get(case.id, ()),
        })
    return result


class Paged(Protocol):
    @property
    def page(self) -> int: ...
    @property
    def pages(self) -> int: ...


def pagination(ctx: RequestContext, result: CasePage | Paged, route: str, **params: Any) -> dict[str, Any] | None:
    """GOV.UK pagination that keeps the filters in each link; None when everything fits on one page."""
    if result.pages <= 1:
        return None
    kept = [(k, v) for k, v in ctx.request.query_params.multi_items() if k != "page"]
    base = ctx.path_for(route, **params)

    def href(number: int) -> str:
        return base + "?" + urlencode([*kept, ("page", str(number))])

    shown = sorted({1, result.pages, result.page - 1, result.page, result.page + 1} & set(range(1, result.pages + 1)))
    items: list[dict[str, Any]] = []
    for index, number in enumerate(shown):
        if index and number - shown[index - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == result.page})
    return {
        "items": items,
        "previous": {"href": href(result.page - 1)} if result.page > 1 else None,
        "next": {"href": href(result.page + 1)} if result.page < result.pages else None,
    }


def page_number(ctx: RequestContext) -> int:
    """The ``page`` asked for; the first for anything that is not a page number (none is past 99,999)."""
    number = parse_int(ctx.request.query_params.get("page", ""), max_digits=5)
    return number if number else 1
