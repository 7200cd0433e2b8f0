"""The All open cases filter form (a GET form): query string in, a CaseFilter and field errors out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.case_types import case_types
from backoffice.cases.models import CaseStatus, CaseType, StatusKind
from backoffice.cases.queues import CaseFilter
from backoffice.casework.web.common import case_date, int_or_none
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import Group
from shared import configuration

SORTS = (("due", "Due date (soonest first)"), ("received", "Date received (newest first)"),
         ("reference", "Reference"))
MAX_DAYS = 365
ORDER = ("type", "status", "owner", "team", "due_within", "overdue", "received_from", "received_to", "q", "sort")


@dataclass
class FilterForm:
    """What the person asked for (kept in the form), what it means, and what was wrong with it."""

    values: dict[str, Any]
    case_filter: CaseFilter
    errors: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(v for k, v in self.values.items() if k != "sort")


def parse(session: Session, params: Any) -> FilterForm:
    """``params`` is the request's query parameters (a multi-dict)."""
    values: dict[str, Any] = {name: str(params.get(name, "")).strip()[:200] for name in
                              ("status", "owner", "team", "due_within", "q", "sort")}
    values["type"] = [str(v) for v in params.getlist("type")][:20]
    values["overdue"] = "yes" if params.get("overdue") == "yes" else ""
    for prefix in ("received_from", "received_to"):
        for part in ("day", "month", "year"):
            values[f"{prefix}-{part}"] = str(params.get(f"{prefix}-{part}", "")).strip()[:4]
    errors: dict[str, str] = {}
    anchors: dict[str, str] = {}
    due_within = None
    if values["due_within"]:
        due_within = int_or_none(values["due_within"])
        if due_within is None:
            errors["due_within"] = "Due within must be a whole number of days, like 10"
        elif due_within > MAX_DAYS:
            errors["due_within"] = f"Due within must be {MAX_DAYS} days or fewer"
    dates = {}
    for prefix, label in (("received_from", "Received on or after"), ("received_to", "Received on or before")):
        answer = case_date(values, prefix, label, required=False)
        dates[prefix] = answer.value
        if answer.error:
            errors[prefix] = answer.error
            anchors[prefix] = answer.anchor(prefix)
    if dates["received_from"] and dates["received_to"] and dates["received_from"] > dates["received_to"]:
        errors["received_to"] = "Received on or before must be the same as or after received on or after"
        anchors["received_to"] = "received_to-day"
    owner = values["owner"]
    sort = values["sort"] if values["sort"] in dict(SORTS) else "due"
    case_filter = CaseFilter(
        case_types=tuple(values["type"]),
        status_ids=_status_ids(session, values["status"]),
        owner_id=int_or_none(owner),
        unowned=owner == "none",
        team_group_id=int_or_none(values["team"]),
        due_within_days=due_within if "due_within" not in errors else None,
        overdue=values["overdue"] == "yes",
        received_from=dates["received_from"],
        received_to=dates["received_to"],
        text=values["q"],
        sort=sort,
    )
    return FilterForm(values=values, case_filter=case_filter, errors=errors, anchors=anchors)


def _status_ids(session: Session, key: str) -> tuple[int, ...]:
    """A status key (``in_progress``) stands for that status in every case type; unknown matches nothing."""
    if not key:
        return ()
    ids = tuple(session.scalars(select(CaseStatus.id).where(CaseStatus.key == key)))
    return ids or (0,)


def options(session: Session) -> dict[str, Any]:
    """The choices the filter form offers."""
    case_types, statuses = configuration.cached(session, "backoffice.casework.filter_choices",
                                                lambda: _type_and_status_choices(session))
    staff = session.execute(select(StaffUser.id, StaffUser.name)
                            .where(StaffUser.active.is_(True), StaffUser.role != Role.READ_ONLY.value)
                            .order_by(StaffUser.name))
    teams = session.execute(select(Group.id, Group.name).where(Group.active.is_(True)).order_by(Group.name))
    return {
        "case_types": list(case_types),
        "statuses": list(statuses),
        "owners": [(str(user_id), name) for user_id, name in staff],
        "teams": [(str(group_id), name) for group_id, name in teams],
        "sorts": list(SORTS),
    }


def _type_and_status_choices(session: Session) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The active case types and their open statuses (one entry per status key): configuration, so the
    form reads them from the process's cache, not on every search."""
    statuses: dict[str, str] = {}
    stmt = (select(CaseStatus.key, CaseStatus.label).join(CaseType, CaseType.id == CaseStatus.case_type_id)
            .where(CaseType.active.is_(True), CaseStatus.kind != StatusKind.CLOSED.value)
            .order_by(CaseType.position, CaseStatus.position))
    for key, label in session.execute(stmt):
        statuses.setdefault(key, label)
    return tuple((t.key, t.name) for t in case_types(session)), tuple(statuses.items())
