"""Who hears about a case: its owner, else everyone eligible to claim it; and the escalation group.

Eligibility is the case core's own rule (``backoffice.cases.access``), so a restricted SAR's reminder
never reaches someone who could not open it. Within one sweep the answers are cached per team and
case type for unrestricted cases, which is what nearly every case is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.access import Action, allowed_actions, visible_to
from backoffice.cases.models import Case, CaseRestriction
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import Group, GroupMember


@dataclass
class Recipients:
    """Per-sweep lookups of people; build one per transaction."""

    session: Session
    _claimers: dict[tuple[int | None, int, str], list[str]] = field(default_factory=dict)

    def _members(self, group_id: int | None) -> list[StaffUser]:
        if group_id is None:
            return []
        stmt = (select(StaffUser).join(GroupMember, GroupMember.user_id == StaffUser.id)
                .where(GroupMember.group_id == group_id, StaffUser.active.is_(True)).order_by(StaffUser.id))
        return list(self.session.scalars(stmt))

    def owner(self, case: Case) -> list[str]:
        if case.owner_id is None:
            return []
        user = self.session.get(StaffUser, case.owner_id)
        return [user.email] if user is not None and user.active else []

    def claimers(self, case: Case, group_id: int | None = None) -> list[str]:
        """Members of the team (or ``group_id``) who may claim the case now."""
        team = group_id if group_id is not None else (case.team_group_id or case.case_type.responsible_group_id)
        restricted = self.session.scalar(select(CaseRestriction.id).where(CaseRestriction.case_id == case.id)
                                         .limit(1)) is not None
        key = (team, case.case_type_id, case.status.kind)
        if not restricted and key in self._claimers:
            return self._claimers[key]
        found = [u.email for u in self._members(team)
                 if u.role != Role.READ_ONLY.value and Action.CLAIM in allowed_actions(self.session, u, case)]
        if not restricted:
            self._claimers[key] = found
        return found

    def owner_or_claimers(self, case: Case) -> list[str]:
        return self.owner(case) or self.claimers(case)

    def assignee_or_group(self, case: Case, assignee_id: int | None, group_id: int | None) -> list[str]:
        """A task's people: its assignee, else the members of its group who can see the case."""
        if assignee_id is not None:
            user = self.session.get(StaffUser, assignee_id)
            if user is not None and user.active:
                return [user.email]
        if group_id is None:
            return self.owner_or_claimers(case)
        return [u.email for u in visible_to(self.session, case, [u for u in self._members(group_id)
                                                                   if u.role != Role.READ_ONLY.value])]

    def escalation(self, case: Case) -> list[str]:
        """The type's escalation group: its members and its shared mailbox, if it has one."""
        group_id = case.case_type.escalation_group_id
        group = self.session.get(Group, group_id) if group_id is not None else None
        if group is None:
            return []
        return [u.email for u in self._members(group.id)] + ([group.email] if group.email else [])

    def team(self, case: Case) -> list[str]:
        group = self.session.get(Group, case.team_group_id) if case.team_group_id else None
        if group is None:
            return []
        return [u.email for u in self._members(group.id)] + ([group.email] if group.email else [])
