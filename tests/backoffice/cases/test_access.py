"""The permission matrix, stated exactly, and visibility that never leaks a case's existence."""

from __future__ import annotations

import pytest

from backoffice.cases import workflow
from backoffice.cases.access import CLOCK as CLOCK_ACTIONS
from backoffice.cases.access import Action, allowed_actions, can_see, visible_to
from backoffice.cases.models import StatusKind
from backoffice.deadlines.permissions import ClockAction, set_permission
from backoffice.staff.accounts import Role
from backoffice.staff.groups import add_member, create_group
from shared.errors import PermissionDenied
from tests.backoffice.cases.conftest import SYSTEM, Office

A = Action
WORK = {A.CHANGE_STATUS, A.ADD_NOTE, A.EMAIL_REQUESTER, A.LINK, A.MANAGE_TASKS, A.CLOSE, A.WATCH, A.SEND_DOCUMENTS,
        A.MANAGE_SHARES}
#: A wrong release must be stoppable after closing: revoke, extend, resend and unlock stay on a closed case.
SHARES = A.MANAGE_SHARES
#: The clock actions by default: caseworkers and above stop and restart the clock, managers and above extend,
#: each only where the type's rule allows it (an enquiry has no extension; a complaint's clock cannot stop, but
#: each stage may be extended under the complaint-handling code).
CLOCK = {A.MANAGE_CLOCK}
EXTEND = {A.MANAGE_CLOCK, A.EXTEND_DEADLINE}
EXPECTED = {
    # (case type, role, status kind, owned by the user?) -> actions offered and allowed
    ("enquiry", Role.READ_ONLY, StatusKind.OPEN, False): {A.VIEW},
    ("enquiry", Role.READ_ONLY, StatusKind.CLOSED, False): {A.VIEW},
    ("enquiry", Role.CASEWORKER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, *WORK, *CLOCK},
    ("enquiry", Role.CASEWORKER, StatusKind.OPEN, True): {A.VIEW, *WORK, *CLOCK},
    ("enquiry", Role.CASEWORKER, StatusKind.IN_PROGRESS, True): {A.VIEW, *WORK, *CLOCK},
    ("enquiry", Role.CASEWORKER, StatusKind.CLOSED, True): {A.VIEW, A.WATCH, SHARES},
    ("enquiry", Role.MANAGER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, *CLOCK},
    ("enquiry", Role.MANAGER, StatusKind.IN_PROGRESS, True): {A.VIEW, A.ASSIGN, *WORK, *CLOCK},
    ("enquiry", Role.MANAGER, StatusKind.CLOSED, False): {A.VIEW, A.WATCH, A.REOPEN, SHARES},
    ("enquiry", Role.ADMINISTRATOR, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, *CLOCK},
    ("enquiry", Role.ADMINISTRATOR, StatusKind.CLOSED, False): {A.VIEW, A.WATCH, A.REOPEN, SHARES},
    ("foi", Role.READ_ONLY, StatusKind.OPEN, False): {A.VIEW},
    ("foi", Role.CASEWORKER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, *WORK, *CLOCK},
    ("foi", Role.CASEWORKER, StatusKind.IN_PROGRESS, True): {A.VIEW, *WORK, *CLOCK},
    ("foi", Role.CASEWORKER, StatusKind.CLOSED, True): {A.VIEW, A.WATCH, SHARES},
    ("foi", Role.MANAGER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, *EXTEND},
    ("foi", Role.MANAGER, StatusKind.CLOSED, False): {A.VIEW, A.WATCH, A.REOPEN, SHARES},
    ("foi", Role.ADMINISTRATOR, StatusKind.IN_PROGRESS, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, *EXTEND},
    ("sar", Role.CASEWORKER, StatusKind.OPEN, True): {A.VIEW, *WORK, *CLOCK},
    ("sar", Role.MANAGER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, *EXTEND},
    ("eir", Role.MANAGER, StatusKind.IN_PROGRESS, True): {A.VIEW, A.ASSIGN, *WORK, *EXTEND},
    ("complaint", Role.CASEWORKER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, *WORK},
    ("complaint", Role.MANAGER, StatusKind.OPEN, False): {A.VIEW, A.CLAIM, A.ASSIGN, *WORK, A.EXTEND_DEADLINE},
}


def _case_in(office: Office, kind: StatusKind, owner, case_type: str = "enquiry"):
    case = office.new_case(case_type)
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


def _user(office: Office, role: Role):
    return {Role.READ_ONLY: office.reader, Role.CASEWORKER: office.caseworker, Role.MANAGER: office.manager,
            Role.ADMINISTRATOR: office.admin}[role]


@pytest.mark.parametrize("key", list(EXPECTED),
                         ids=lambda k: f"{k[0]}-{k[1].value}-{k[2].value}-{'own' if k[3] else 'other'}")
def test_permission_matrix(office: Office, key) -> None:
    case_type, role, kind, owned = key
    user = _user(office, role)
    case = _case_in(office, kind, user if owned else None, case_type)
    assert allowed_actions(office.db, user, case) == frozenset(EXPECTED[key])


def test_clock_permissions_are_set_per_case_type(office: Office) -> None:
    foi, enquiry = office.new_case("foi"), office.new_case("enquiry")
    admin = office.actor(office.admin)
    set_permission(office.db, admin, foi.case_type, ClockAction.EXTEND, Role.CASEWORKER, True)
    set_permission(office.db, admin, foi.case_type, ClockAction.MANAGE, Role.MANAGER, False)
    office.db.flush()
    assert allowed_actions(office.db, office.caseworker, foi) >= {A.MANAGE_CLOCK, A.EXTEND_DEADLINE}
    assert allowed_actions(office.db, office.manager, foi) & CLOCK_ACTIONS == {A.EXTEND_DEADLINE}
    # Another type keeps its defaults, and a type's rule still decides what exists at all.
    assert allowed_actions(office.db, office.manager, enquiry) & CLOCK_ACTIONS == {A.MANAGE_CLOCK}
    set_permission(office.db, admin, enquiry.case_type, ClockAction.EXTEND, Role.CASEWORKER, True)
    assert A.EXTEND_DEADLINE not in allowed_actions(office.db, office.caseworker, enquiry)
    # Taken back: the defaults are not consulted once the type says no.
    set_permission(office.db, admin, foi.case_type, ClockAction.EXTEND, Role.CASEWORKER, False)
    set_permission(office.db, admin, foi.case_type, ClockAction.MANAGE, Role.CASEWORKER, False)
    assert allowed_actions(office.db, office.caseworker, foi) & CLOCK_ACTIONS == set()


def test_read_only_staff_can_never_be_given_the_clock(office: Office) -> None:
    from shared.errors import InvalidInput

    foi = office.new_case("foi")
    with pytest.raises(InvalidInput):
        set_permission(office.db, office.actor(office.admin), foi.case_type, ClockAction.MANAGE, Role.READ_ONLY, True)
    assert allowed_actions(office.db, office.reader, foi) == {A.VIEW}


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
    workflow.restrict(office.db, office.actor(office.manager), office.manager, case, {sensitive.id},
                      reason="About a colleague")
    assert not can_see(office.db, office.caseworker, case)
    assert can_see(office.db, office.admin, case)


def test_foi_cannot_be_restricted(office: Office) -> None:
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        workflow.restrict(office.db, office.actor(office.manager), office.manager, office.new_case("foi"), set(),
                          reason="Sensitive")


def test_inactive_user_may_do_nothing(office: Office) -> None:
    office.manager.active = False
    assert allowed_actions(office.db, office.manager, office.new_case()) == frozenset()


def test_visible_to_answers_as_can_see_does_for_each_person(office: Office) -> None:
    """The one-query rule for many people against the per-person one, over every kind of person and case:
    an administrator, a manager, a caseworker, a reader, someone of no team who owns a case, and a member
    of only the group a SAR is restricted to; open, owned, restricted and of a type only some teams handle."""
    sensitive = create_group(office.db, SYSTEM, "Senior data protection")
    let_in = office.outsider
    add_member(office.db, SYSTEM, sensitive.id, let_in.id)
    restricted = office.new_case("sar")
    workflow.restrict(office.db, office.actor(office.manager), office.manager, restricted, {sensitive.id},
                      reason="About a colleague")
    owned_by_outsider = _case_in(office, StatusKind.OPEN, let_in, "foi")
    cases = [office.new_case("foi"), office.new_case("enquiry"), office.new_case("sar"), restricted,
             owned_by_outsider, _case_in(office, StatusKind.CLOSED, office.caseworker, "complaint")]
    people = [office.admin, office.manager, office.caseworker, office.reader, let_in]
    answers = set()
    for case in cases:
        expected = [p for p in people if can_see(office.db, p, case)]
        assert visible_to(office.db, case, people) == expected, case.reference
        answers.add(len(expected))
    assert len(answers) > 1  # the cases differ in who sees them, so the comparison means something
    assert visible_to(office.db, cases[0], []) == []
