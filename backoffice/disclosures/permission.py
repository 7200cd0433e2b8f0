"""Who may publish a case's answer to the Disclosure Log (and approve another's, under the two-person rule).

Publishing happens after the case is closed, when the case's permission matrix leaves caseworkers little
but viewing. The publishing permission is its own rule, in one place: an active member of staff who can
see the case and may work it, that is a manager or an administrator, or a caseworker who owns the case
or is in its team. Read-only staff never. An approver needs the same permission, and must not be the
person who prepared the publication (``publishing.approve`` checks that).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.cases.access import can_see
from backoffice.cases.models import Case
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import group_ids_of
from shared.errors import PermissionDenied


def may_publish(session: Session, user: StaffUser, case: Case) -> bool:
    if not user.active or user.role == Role.READ_ONLY or not can_see(session, user, case):
        return False
    if user.role in (Role.MANAGER, Role.ADMINISTRATOR):
        return True
    if case.owner_id == user.id:
        return True
    return case.team_group_id is not None and case.team_group_id in group_ids_of(session, user.id)


def require_publishing(session: Session, user: StaffUser, case: Case) -> None:
    if not may_publish(session, user, case):
        raise PermissionDenied("You do not have permission to publish this case to the disclosure log")
