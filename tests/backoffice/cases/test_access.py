"""The permission matrix, stated exactly, and visibility that never leaks a case's existence."""

from __future__ import annotations

import pytest

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions, can_see
from backoffice.cases.models import StatusKind
from backoffice.groups import create_group
from backoffice.staff.accounts import Role
from shared.errors import PermissionDenied
from tests.backoffice.cases.conftest import SYSTEM, Office

A = Action
WORK = {A.CHANGE_STATUS, A.ADD_NOTE, A.EMAIL_REQUESTER, A.LINK, A.MANAGE_TASKS, A.CLOSE, A.WATCH}
EXPECTED = {
    # (role, status kind, owned by the user?) -> actions offered and allowed
    (Role.READ_ONLY, StatusKind.OPEN, False): {A.VIEW},
    (Role.READ_ONLY, StatusKind.CLOSED, False): {A.VIEW},
    (Role.CASEWORKER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, *WORK},
    (Role.CASEWORKER, StatusKind.OPEN, True): {A.VIEW, *WORK},
    (Role.CASEWORKER, StatusKind.IN_PROGRESS, True): {A.VIEW, *WORK},
    (Role.CASEWORKER, StatusKind.CLOSED, True): {A.VIEW, A.WATCH},
    (Role.MANAGER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK},
    (Role.MANAGER, StatusKind.IN_PROGRESS, True): {A.VIEW, A.ASSIGN, *WORK},
    (Role.MANAGER, StatusKind.CLOSED, False): {A.VIEW, A.WATCH, A.REOPEN},
    (Role.ADMINISTRATOR, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK},
    (Role.ADMINISTRATOR, StatusKind.CLOSED, False): {A.VIEW, A.WATCH, A.REOPEN},
}


def _case_in(office: Office, kind: StatusKind, owner):  # type: ignore[no-untyped-def]
    case = office.new_case("enquiry")
    if owner is not None:
        case.owner_id = owner.id
    if kind == StatusKind.IN_PROGRESS:
        in_progress = next(s for s in case.case_type.statuses if s.kind == "in_progress")
        case.status_id, case.status = in_progress.id, in_progress
    if kind == StatusKind.CLOSED:
        closed = next(s for s in case.case_type.statuses if s.kind == "closed")
        case.status_id, case.status = closed.id, closed
    office.db.flush()
    return case


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0].value}-{k[1].value}-{'own' if k[2] else 'other'}")
def test_permission_matrix(office: Office, key) -> None:  # type: ignore[no-untyped-def]
    role, kind, owned = key
    user = {Role.READ_ONLY: office.reader, Role.CASEWORKER: office.caseworker, Role.MANAGER: office.manager,
            Role.ADMINISTRATOR: office.admin}[role]
    case = _case_in(office, kind, user if owned else None)
    assert allowed_actions(office.db, user, case) == frozenset(EXPECTED[key])


def test_caseworker_cannot_work_a_colleagues_case(office: Office) -> None:
    case = _case_in(office, StatusKind.IN_PROGRESS, office.manager)
    assert allowed_actions(office.db, office.caseworker, case) == {A.VIEW, A.ADD_NOTE, A.WATCH}
    with pytest.raises(PermissionDenied):
        workflow.claim(office.db, office.actor(office.caseworker), office.caseworker, case)


def test_users_see_only_the_types_their_groups_handle(office: Office) -> None:
    case = office.new_case("foi")
    assert not can_see(office.db, office.outsider, case)
    assert allowed_actions(office.db, office.outsider, case) == frozenset()
    with pytest.raises(PermissionDenied) as hidden:
        workflow.get_case(office.db, office.outsider, case.reference)
    with pytest.raises(PermissionDenied) as missing:
        workflow.get_case(office.db, office.outsider, "FOI-2026-99999")
    assert str(hidden.value) == str(missing.value)  # never says whether it exists


def test_restricted_sar_is_seen_only_by_named_groups(office: Office) -> None:
    case = office.new_case("sar")
    sensitive = create_group(office.db, SYSTEM, "Senior data protection")
    workflow.restrict(office.db, office.actor(office.manager), office.manager, case, {sensitive.id})
    assert not can_see(office.db, office.caseworker, case)
    assert can_see(office.db, office.admin, case)


def test_foi_cannot_be_restricted(office: Office) -> None:
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        workflow.restrict(office.db, office.actor(office.manager), office.manager, office.new_case("foi"), set())


def test_inactive_user_may_do_nothing(office: Office) -> None:
    office.manager.active = False
    assert allowed_actions(office.db, office.manager, office.new_case()) == frozenset()
