"""Who may stop, restart and extend a case's statutory clock, set per case type.

Stopping and extending change the date the law holds the body to, so a body
may want only managers to extend FOI requests while caseworkers may stop the
clock for a fee. Each case type has, per role, a yes or no for each of the two
clock actions; a type with no row for a role uses :data:`DEFAULTS`. Read-only
staff can never change a clock, whatever a row says.

What a type's deadline rule can do narrows it further (:func:`capabilities`):
a complaint's clock cannot be stopped and an enquiry has no extension, so
those actions are never offered there.

Kept free of ``backoffice.cases.access`` (which imports this) so there is no
import cycle: the two actions are named here and mirrored by ``Action``.
"""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.cases.models import CaseType
from backoffice.deadlines.rules import effective_rule
from backoffice.deadlines.state import PAUSES
from backoffice.staff.accounts import Role
from shared import audit, configuration
from shared.db import Base
from shared.errors import InvalidInput


class ClockAction(enum.StrEnum):
    """The clock actions whose permission is set per case type (the same values as ``access.Action``)."""

    MANAGE = "manage_clock"  # stop the clock, restart it, record clarification asked for and received
    EXTEND = "extend_deadline"  # the type's statutory extension


#: Who may do each clock action on a type that has not been configured otherwise.
DEFAULTS: dict[ClockAction, frozenset[Role]] = {
    ClockAction.MANAGE: frozenset({Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR}),
    ClockAction.EXTEND: frozenset({Role.MANAGER, Role.ADMINISTRATOR}),
}
#: Roles a clock permission can be given to: read-only staff only read.
GRANTABLE: tuple[Role, ...] = (Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR)
#: The events that stop a clock; a rule accepting none of them has a clock that cannot be stopped.
STOPPING = frozenset(start for start, _end in PAUSES.values())


class ClockPermission(Base):
    """One case type's yes or no for one role and one clock action (no row: :data:`DEFAULTS`)."""

    __tablename__ = "case_clock_permissions"
    __table_args__ = (
        UniqueConstraint("case_type_id", "action", "role", name="uq_case_clock_permissions_type_action_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(20))
    allowed: Mapped[bool]


configuration.watch(ClockPermission)


def permissions_of(session: Session, case_type_id: int) -> dict[ClockAction, frozenset[Role]]:
    """Each clock action's roles for one type: the defaults, overridden by the type's rows."""
    return dict(_table(session).get(case_type_id, DEFAULTS))


def _table(session: Session) -> dict[int, dict[ClockAction, frozenset[Role]]]:
    """Every configured type's permissions, kept per process while the configuration is unchanged: a list
    of 25 cases and every case page ask, and a body changes them a few times a year."""

    def read() -> dict[int, dict[ClockAction, frozenset[Role]]]:
        granted: dict[int, dict[ClockAction, set[Role]]] = {}
        rows = session.execute(select(ClockPermission.case_type_id, ClockPermission.action, ClockPermission.role,
                                      ClockPermission.allowed))
        for case_type_id, action, role, allowed in rows:
            if action not in {a.value for a in ClockAction} or role not in {r.value for r in GRANTABLE}:
                continue
            table = granted.setdefault(case_type_id, {a: set(roles) for a, roles in DEFAULTS.items()})
            (table[ClockAction(action)].add if allowed else table[ClockAction(action)].discard)(Role(role))
        return {type_id: {a: frozenset(roles) for a, roles in table.items()} for type_id, table in granted.items()}

    return configuration.cached(session, "backoffice.deadlines.clock_permissions", read)


def capabilities(session: Session, case_type: CaseType) -> frozenset[ClockAction]:
    """What the type's deadline rule allows at all, as the body's nation applies it (FOISA has no extension)."""
    rule = effective_rule(session, case_type)
    found = set()
    if rule.extension is not None:
        found.add(ClockAction.EXTEND)
    if rule.accepts & STOPPING:
        found.add(ClockAction.MANAGE)
    return frozenset(found)


def clock_actions(session: Session, case_type: CaseType, role: Role) -> frozenset[ClockAction]:
    """The clock actions ``role`` has on cases of ``case_type``, before ownership and case status."""
    if role not in GRANTABLE:
        return frozenset()
    granted = {action for action, roles in permissions_of(session, case_type.id).items() if role in roles}
    return frozenset(granted) & capabilities(session, case_type)


def set_permission(session: Session, actor: audit.Actor, case_type: CaseType, action: ClockAction | str,
                   role: Role | str, allowed: bool) -> None:
    """Give or take one clock action from one role for one case type; audited against the case type."""
    try:
        chosen, who = ClockAction(action), Role(role)
    except ValueError as exc:
        raise InvalidInput("Select a clock action and a role", {"role": "Select a role"}) from exc
    if who not in GRANTABLE:
        raise InvalidInput("Read-only staff cannot change a clock", {"role": "Select a role that can work cases"})
    row = session.scalar(select(ClockPermission).where(ClockPermission.case_type_id == case_type.id,
                                                       ClockPermission.action == chosen.value,
                                                       ClockPermission.role == who.value))
    if row is None:
        session.add(ClockPermission(case_type_id=case_type.id, action=chosen.value, role=who.value, allowed=allowed))
    else:
        row.allowed = allowed
    verb = "may" if allowed else "may not"
    audit.record(session, actor, "case_type.clock_permission_changed", "case_type", case_type.key,
                 f"{case_type.name}: {who.value} {verb} {chosen.value.replace('_', ' ')}",
                 {"action": chosen.value, "role": who.value, "allowed": allowed})
