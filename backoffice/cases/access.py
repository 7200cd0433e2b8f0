"""Who may see a case and which actions they may take on it.

Visibility: administrators see everything; everyone else sees the case types
their groups handle, and a restricted SAR or complaint only when they are in
one of its named groups (or own it). A refusal never says whether a case
exists: callers raise the same 403 for "hidden" and "missing".

The permission matrix (role x status kind -> actions) lives in one table so a
test can state it exactly. The clock actions are the exception: a body sets
them per case type (``backoffice.deadlines.permissions``), so they are added
from there, and only on open cases.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, event, false, or_, select, true
from sqlalchemy.orm import ORMExecuteState, Session

from backoffice.cases.models import Case, CaseRestriction, CaseTypeGroup, StatusKind
from backoffice.deadlines.permissions import ClockAction, clock_actions
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import Group, GroupMember, group_ids_of
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
    #: Send documents through Secure Share (open cases).
    SEND_DOCUMENTS = "send_documents"
    #: Revoke, extend, resend or unlock a share: also on a closed case, where a wrong release must still be stopped.
    MANAGE_SHARES = "manage_shares"
    #: Stop and restart the statutory clock, record clarification: per case type (``deadlines.permissions``).
    MANAGE_CLOCK = ClockAction.MANAGE.value
    #: Apply the type's statutory extension: per case type (``deadlines.permissions``).
    EXTEND_DEADLINE = ClockAction.EXTEND.value


WORK = {Action.CHANGE_STATUS, Action.ADD_NOTE, Action.EMAIL_REQUESTER, Action.LINK, Action.MANAGE_TASKS,
        Action.CLOSE, Action.WATCH, Action.SEND_DOCUMENTS, Action.MANAGE_SHARES}
#: Not in the matrix: granted per case type and role, on open cases only, and only what the type's rule allows.
CLOCK = {Action.MANAGE_CLOCK, Action.EXTEND_DEADLINE}

#: role -> status kind -> actions (before the per-case conditions below).
MATRIX: dict[Role, dict[StatusKind, frozenset[Action]]] = {
    Role.READ_ONLY: {kind: frozenset({Action.VIEW}) for kind in StatusKind},
    Role.CASEWORKER: {
        StatusKind.OPEN: frozenset({Action.VIEW, Action.CLAIM} | WORK),
        StatusKind.IN_PROGRESS: frozenset({Action.VIEW, Action.CLAIM} | WORK),
        StatusKind.CLOSED: frozenset({Action.VIEW, Action.WATCH, Action.MANAGE_SHARES}),
    },
    Role.MANAGER: {
        StatusKind.OPEN: frozenset({Action.VIEW, Action.CLAIM, Action.ASSIGN} | WORK),
        StatusKind.IN_PROGRESS: frozenset({Action.VIEW, Action.CLAIM, Action.ASSIGN} | WORK),
        StatusKind.CLOSED: frozenset({Action.VIEW, Action.WATCH, Action.REOPEN, Action.MANAGE_SHARES}),
    },
}
MATRIX[Role.ADMINISTRATOR] = MATRIX[Role.MANAGER]


_GROUPS = "backoffice.cases.access.groups"
_SEEN = "backoffice.cases.access.seen"


def _group_ids(session: Session, user_id: int) -> set[int]:
    """``group_ids_of``, remembered until the session next writes, commits or rolls back.

    A list of 25 cases asks for each row which actions are allowed; this asks the database for the
    person's groups once instead of twice a row. It is never used while the session holds unflushed
    changes (the query would flush them first) and is forgotten on every flush, write statement,
    commit and rollback, so it always agrees with asking the database.
    """
    if session.new or session.dirty or session.deleted:
        return group_ids_of(session, user_id)
    cache: dict[int, frozenset[int]] = session.info.setdefault(_GROUPS, {})
    if user_id not in cache:
        cache[user_id] = frozenset(group_ids_of(session, user_id))
    return set(cache[user_id])


def _forget_groups(session: Session, *_: Any) -> None:
    session.info.pop(_GROUPS, None)
    session.info.pop(_SEEN, None)


for _name in ("after_begin", "after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _name, _forget_groups)


@event.listens_for(Session, "do_orm_execute")
def _forget_groups_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_groups(state.session)


def visible_filter(session: Session, user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause selecting the cases ``user`` may see, for queue and search queries.

    Written with uncorrelated ``IN (subquery)`` rather than correlated ``EXISTS``: the database works
    out the handled case types and the restricted cases once per query, not once per case row, and
    can use the cases' indexes (a queue over a million cases stays fast).
    """
    if user.role == Role.ADMINISTRATOR:
        return true()
    groups = _group_ids(session, user.id)
    if not groups:
        return Case.owner_id == user.id if user.id else false()
    handled = Case.case_type_id.in_(select(CaseTypeGroup.case_type_id).where(CaseTypeGroup.group_id.in_(groups)))
    restricted = Case.id.in_(select(CaseRestriction.case_id))
    allowed_restricted = Case.id.in_(select(CaseRestriction.case_id).where(CaseRestriction.group_id.in_(groups)))
    return or_(Case.owner_id == user.id, and_(handled, or_(~restricted, allowed_restricted)))


def can_see(session: Session, user: StaffUser, case: Case) -> bool:
    """Whether ``user`` may see ``case``, remembered as ``_group_ids`` is (until the session next writes,
    commits or rolls back): a case page asks it for the lookup, for the actions and for the shares."""
    if session.new or session.dirty or session.deleted:
        return _visible(session, user, case.id)
    cache: dict[tuple[int, int], bool] = session.info.setdefault(_SEEN, {})
    key = (user.id, case.id)
    if key not in cache:
        cache[key] = _visible(session, user, case.id)
    return cache[key]


def _visible(session: Session, user: StaffUser, case_id: int) -> bool:
    return session.scalar(select(Case.id).where(Case.id == case_id, visible_filter(session, user))) is not None


def visible_to(session: Session, case: Case, users: Iterable[StaffUser]) -> list[StaffUser]:
    """Those of ``users`` who may see ``case``, in their order: ``can_see`` for each, in one query.

    :func:`visible_filter`'s rule turned round, for one case and many people (who is emailed about a new
    case, who may own it): an administrator, its owner, or a member of a group that handles its type,
    while it is not restricted or is restricted to one of their groups. ``test_access`` holds the two to
    the same answer for every kind of person and case.
    """
    people = list(users)
    if not people:
        return []
    handles = (select(GroupMember.id).join(CaseTypeGroup, CaseTypeGroup.group_id == GroupMember.group_id)
               .where(GroupMember.user_id == StaffUser.id, CaseTypeGroup.case_type_id == case.case_type_id).exists())
    restricted = select(CaseRestriction.id).where(CaseRestriction.case_id == case.id).exists()
    let_in = (select(GroupMember.id).join(CaseRestriction, CaseRestriction.group_id == GroupMember.group_id)
              .where(GroupMember.user_id == StaffUser.id, CaseRestriction.case_id == case.id).exists())
    seeing = set(session.scalars(select(StaffUser.id).where(
        StaffUser.id.in_([p.id for p in people]),
        or_(StaffUser.role == Role.ADMINISTRATOR.value, StaffUser.id == case.owner_id,
            and_(handles, or_(~restricted, let_in))))))
    return [p for p in people if p.id in seeing]


def is_restricted(session: Session, case: Case) -> bool:
    return session.scalar(select(CaseRestriction.id).where(CaseRestriction.case_id == case.id).limit(1)) is not None


def may_be_told(session: Session, case: Case, addresses: Iterable[str]) -> list[str]:
    """The addresses, of those given, that may be emailed about ``case``: the visibility rule for email.

    A member of staff's address only if they may see the case (``can_see``: inactive staff never).
    A team's shared mailbox on a restricted case only if the case is restricted to that team. Any
    other address only while the case is not restricted, since nobody can say who reads it.
    """
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not wanted:
        return []
    staff = {u.email.lower(): u for u in session.scalars(select(StaffUser).where(StaffUser.email.in_(wanted)))}
    restricted = is_restricted(session, case)
    allowed_groups = set(session.scalars(select(CaseRestriction.group_id).where(CaseRestriction.case_id == case.id)))
    mailboxes = {g.email.lower(): g for g in session.scalars(select(Group).where(Group.email.in_(wanted)))
                 if g.email} if restricted else {}
    seeing = {u.id for u in visible_to(session, case, [u for u in staff.values() if u.active])}
    kept = []
    for address in wanted:
        user = staff.get(address)
        if user is not None:
            if user.id in seeing:
                kept.append(address)
        elif address in mailboxes:
            if mailboxes[address].active and mailboxes[address].id in allowed_groups:
                kept.append(address)
        elif not restricted:
            kept.append(address)
    return kept


def visible_ids(session: Session, user: StaffUser, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases ``user`` may see: ``can_see`` for a page of cases in one query."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Case.id).where(Case.id.in_(wanted), visible_filter(session, user))))


def allowed_actions(session: Session, user: StaffUser, case: Case) -> frozenset[Action]:
    """What ``user`` may do to ``case`` now: the matrix, narrowed by ownership and team."""
    if not user.active or not can_see(session, user, case):
        return frozenset()
    return _actions(session, user, case)


def allowed_actions_of(session: Session, user: StaffUser, cases: Iterable[Case]) -> dict[int, frozenset[Action]]:
    """``allowed_actions`` for each of a list's cases (by case id), asking who may see them once for all."""
    cases = list(cases)
    if not user.active:
        return {case.id: frozenset() for case in cases}
    seen = visible_ids(session, user, (case.id for case in cases))
    clock: dict[int, frozenset[Action]] = {}  # a page's cases are of a few types: the rule is asked once each
    return {case.id: _actions(session, user, case, clock) if case.id in seen else frozenset() for case in cases}


def _actions(session: Session, user: StaffUser, case: Case,
             clock: dict[int, frozenset[Action]] | None = None) -> frozenset[Action]:
    """The matrix, narrowed by ownership and team, for a case ``user`` may see."""
    role = Role(user.role)
    actions = set(MATRIX[role][StatusKind(case.status.kind)])
    if case.status.kind != StatusKind.CLOSED:
        clock = {} if clock is None else clock
        if case.case_type_id not in clock:
            clock[case.case_type_id] = frozenset(Action(a.value) for a in clock_actions(session, case.case_type, role))
        actions |= clock[case.case_type_id]
    if role == Role.CASEWORKER:
        in_team = case.team_group_id is not None and case.team_group_id in _group_ids(session, user.id)
        mine = case.owner_id == user.id
        if not (mine or (in_team and case.owner_id is None)):
            actions -= (WORK | CLOCK) - {Action.ADD_NOTE, Action.WATCH}
        if not in_team or case.owner_id is not None:
            actions.discard(Action.CLAIM)
    elif case.owner_id == user.id:
        actions.discard(Action.CLAIM)
    return frozenset(actions)


def require(session: Session, user: StaffUser, case: Case, action: Action) -> None:
    if action not in allowed_actions(session, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
