"""Who may see a case and which actions they may take on it.

Visibility: administrators see everything; everyone else sees the case types
their groups handle, and a restricted SAR or complaint only when they are in
one of its named groups (or own it). A refusal never says whether a case
exists: callers raise the same 403 for "hidden" and "missing".

The permission matrix (role x status kind -> actions) lives in one table so a
test can state it exactly.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseRestriction, CaseTypeGroup, StatusKind
from backoffice.groups import group_ids_of
from backoffice.staff.accounts import Role, StaffUser
from shared.errors import PermissionDenied


class Action(enum.StrEnum):
    VIEW = "view"
    CLAIM = "claim"
    ASSIGN = "assign"
    CHANGE_STATUS = "change_status"
    ADD_NOTE = "add_note"
    EMAIL_REQUESTER = "email_requester"
    LINK = "link"
    MANAGE_TASKS = "manage_tasks"
    CLOSE = "close"
    REOPEN = "reopen"
    WATCH = "watch"


WORK = {Action.CHANGE_STATUS, Action.ADD_NOTE, Action.EMAIL_REQUESTER, Action.LINK, Action.MANAGE_TASKS,
        Action.CLOSE, Action.WATCH}

#: role -> status kind -> actions (before the per-case conditions below).
MATRIX: dict[Role, dict[StatusKind, frozenset[Action]]] = {
    Role.READ_ONLY: {kind: frozenset({Action.VIEW}) for kind in StatusKind},
    Role.CASEWORKER: {
        StatusKind.OPEN: frozenset({Action.VIEW, Action.CLAIM} | WORK),
        StatusKind.IN_PROGRESS: frozenset({Action.VIEW, Action.CLAIM} | WORK),
        StatusKind.CLOSED: frozenset({Action.VIEW, Action.WATCH}),
    },
    Role.MANAGER: {
        StatusKind.OPEN: frozenset({Action.VIEW, Action.CLAIM, Action.ASSIGN} | WORK),
        StatusKind.IN_PROGRESS: frozenset({Action.VIEW, Action.CLAIM, Action.ASSIGN} | WORK),
        StatusKind.CLOSED: frozenset({Action.VIEW, Action.WATCH, Action.REOPEN}),
    },
}
MATRIX[Role.ADMINISTRATOR] = MATRIX[Role.MANAGER]


def visible_filter(session: Session, user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause selecting the cases ``user`` may see, for queue and search queries."""
    if user.role == Role.ADMINISTRATOR:
        return true()
    groups = group_ids_of(session, user.id)
    if not groups:
        return Case.owner_id == user.id if user.id else false()
    handled = exists().where(CaseTypeGroup.case_type_id == Case.case_type_id, CaseTypeGroup.group_id.in_(groups))
    restricted = exists().where(CaseRestriction.case_id == Case.id)
    allowed_restricted = exists().where(CaseRestriction.case_id == Case.id, CaseRestriction.group_id.in_(groups))
    return or_(Case.owner_id == user.id, and_(handled, or_(~restricted, allowed_restricted)))


def can_see(session: Session, user: StaffUser, case: Case) -> bool:
    return session.scalar(select(Case.id).where(Case.id == case.id, visible_filter(session, user))) is not None


def allowed_actions(session: Session, user: StaffUser, case: Case) -> frozenset[Action]:
    """What ``user`` may do to ``case`` now: the matrix, narrowed by ownership and team."""
    if not user.active or not can_see(session, user, case):
        return frozenset()
    role = Role(user.role)
    actions = set(MATRIX[role][StatusKind(case.status.kind)])
    if role == Role.CASEWORKER:
        in_team = case.team_group_id is not None and case.team_group_id in group_ids_of(session, user.id)
        mine = case.owner_id == user.id
        if not (mine or (in_team and case.owner_id is None)):
            actions -= WORK - {Action.ADD_NOTE, Action.WATCH}
        if not in_team or case.owner_id is not None:
            actions.discard(Action.CLAIM)
    elif case.owner_id == user.id:
        actions.discard(Action.CLAIM)
    return frozenset(actions)


def require(session: Session, user: StaffUser, case: Case, action: Action) -> None:
    if action not in allowed_actions(session, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
