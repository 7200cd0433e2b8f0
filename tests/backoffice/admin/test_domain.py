"""The small domain functions added for administration, on the database directly."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.case_types import case_type_by_id, seed_built_in_types, task_templates, transitions
from backoffice.cases.models import CaseType
from backoffice.staff import accounts
from backoffice.staff.accounts import Role
from backoffice.staff.groups import add_member, create_group, list_groups, member_users
from shared import audit
from shared.errors import InvalidInput, NotFound
from tests.backoffice.admin.conftest import SYSTEM


def _user(db: Session, name: str, role: Role = Role.CASEWORKER) -> accounts.StaffUser:
    return accounts.create_user(db, SYSTEM, email=f"{name}@example.gov.uk", name=name.title(), role=role, password=None)


def _actions(db: Session, action: str) -> list[audit.AuditEvent]:
    return list(db.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action)))


def test_roles_change_audited_and_the_last_administrator_is_kept(db: Session) -> None:
    only_admin, worker = _user(db, "ada", Role.ADMINISTRATOR), _user(db, "bob")
    accounts.change_role(db, SYSTEM, worker.id, "manager")
    assert worker.role == "manager" and _actions(db, "staff_user.role_changed")[0].detail == {"from": "caseworker",
                                                                                              "to": "manager"}
    with pytest.raises(InvalidInput) as refused:
        accounts.change_role(db, SYSTEM, worker.id, "owner")
    assert refused.value.errors == {"role": "Select a role"}
    with pytest.raises(InvalidInput):
        accounts.change_role(db, SYSTEM, only_admin.id, Role.MANAGER)
    with pytest.raises(InvalidInput):
        accounts.deactivate_user(db, SYSTEM, only_admin.id)
    with pytest.raises(NotFound):
        accounts.get_user(db, 9999)


def test_deactivation_is_audited_revokes_sessions_and_can_be_undone(db: Session) -> None:
    _user(db, "ada", Role.ADMINISTRATOR)
    worker = _user(db, "bob")
    generation = worker.session_generation
    accounts.deactivate_user(db, SYSTEM, worker.id)
    assert not worker.active and worker.session_generation == generation + 1
    assert _actions(db, "staff_user.deactivated") and _actions(db, "staff.sessions_revoked")
    assert [u.email for u in accounts.list_users(db, active_only=True)] == ["ada@example.gov.uk"]
    accounts.reactivate_user(db, SYSTEM, worker.id)
    assert worker.active and _actions(db, "staff_user.reactivated")
    myself = audit.Actor(type="staff", id=str(worker.id), label=worker.email)
    with pytest.raises(InvalidInput):
        accounts.deactivate_user(db, myself, worker.id)


def test_groups_are_listed_with_their_members(db: Session) -> None:
    parks = create_group(db, SYSTEM, "Parks")
    create_group(db, SYSTEM, "Archive")
    zoe, amy = _user(db, "zoe"), _user(db, "amy")
    add_member(db, SYSTEM, parks.id, zoe.id)
    add_member(db, SYSTEM, parks.id, amy.id)
    db.flush()
    assert [(g.name, n) for g, n in list_groups(db)] == [("Archive", 0), ("Parks", 2)]
    assert [u.name for u in member_users(db, parks.id)] == ["Amy", "Zoe"]
    with pytest.raises(InvalidInput):
        add_member(db, SYSTEM, parks.id, 9999)


def test_case_type_reads_for_the_administration_pages(db: Session) -> None:
    seed_built_in_types(db, SYSTEM)
    foi = db.scalar(select(CaseType).where(CaseType.key == "foi"))
    assert foi is not None and case_type_by_id(db, foi.id) is foi
    statuses = {s.key: s.id for s in foi.statuses}
    assert (statuses["new"], statuses["closed"]) in transitions(db, foi.id)
    assert (statuses["closed"], statuses["new"]) not in transitions(db, foi.id)
    assert [t.title for t in task_templates(db, foi.id)] == ["Search for the information", "Draft the response"]
    with pytest.raises(NotFound):
        case_type_by_id(db, 9999)
