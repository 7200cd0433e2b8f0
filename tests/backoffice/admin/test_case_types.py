"""Case type administration: settings, statuses, allowed moves and task templates, through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.cases import workflow
from backoffice.cases.case_types import transitions
from backoffice.cases.models import Case, CaseStatus, CaseType, TaskTemplate
from backoffice.staff.accounts import Role, StaffUser
from shared.errors import Conflict
from tests.backoffice.admin.conftest import SYSTEM, actions


def _statuses(office) -> dict[str, CaseStatus]:
    with office.factory() as session:
        return {s.key: s for s in session.scalars(select(CaseStatus).where(CaseStatus.case_type_id == office.foi_id))}


def _foi(office) -> CaseType:
    with office.factory() as session:
        case_type = session.get(CaseType, office.foi_id)
        assert case_type is not None
        return case_type


def test_settings_are_saved(admin, office, check_page) -> None:
    path = f"/admin/case-types/{office.foi_id}"
    response = admin.post(path + "/settings", {
        "name": "FOI request", "reference_prefix": "info", "deadline_rule": "foi_internal_review",
        "extension_days": "20", "web_enabled": "no", "responsible_group": str(office.customer_relations_id),
        "escalation_group": "", "groups": [str(office.info_governance_id), str(office.customer_relations_id)],
        "retention_months": "36",
    })
    assert response.status_code == 303 and response.headers["location"] == path
    saved = _foi(office)
    assert saved.retention_months == 36 and actions(office.factory, "case_type.retention_changed")
    assert (saved.name, saved.reference_prefix, saved.deadline_rule, saved.extension_days, saved.web_enabled) == (
        "FOI request", "INFO", "foi_internal_review", 20, False)
    assert saved.responsible_group_id == office.customer_relations_id and saved.escalation_group_id is None
    page = admin.get(path)
    check_page(page, title="FOI request")
    assert '<option value="foi_internal_review" selected>FOI internal review' in page.text
    assert actions(office.factory, "case_type.updated")


def test_settings_errors_are_shown_and_nothing_is_stored(admin, office, check_page) -> None:
    response = admin.post(f"/admin/case-types/{office.foi_id}/settings", {
        "name": "Renamed", "reference_prefix": "x", "deadline_rule": "no-such-rule", "extension_days": "lots",
        "web_enabled": "yes", "responsible_group": "9999", "escalation_group": "", "retention_months": "0",
    })
    check_page(response, status=422, title="Error: Freedom of Information request")
    text = response.text
    for message in ("Enter a prefix of 2 to 10 letters or numbers", "Select a deadline rule",
                    "Extension days must be a whole number, like 20", "Select the responsible group from the list",
                    "Select at least one group", "Enter a whole number of months from 1 to 1200"):
        assert message in text
    assert 'href="#reference_prefix"' in text and 'value="Renamed"' in text and 'value="lots"' in text
    saved = _foi(office)
    assert saved.name == "Freedom of Information request" and saved.reference_prefix == "FOI"
    assert not actions(office.factory, "case_type.updated")


def test_a_renamed_status_shows_on_cases(admin, office, check_page) -> None:
    reference = office.new_reference("foi")
    new = _statuses(office)["new"]
    response = admin.post(f"/admin/case-types/{office.foi_id}/statuses/{new.id}", {"label": "Received"})
    assert response.status_code == 303
    with office.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None and case.status.label == "Received"
    export = admin.get("/cases/export/download", params={"format": "csv", "case_type": "foi", "cases": "open"})
    assert reference in export.text and ",Received," in export.text
    check_page(admin.get(f"/admin/case-types/{office.foi_id}"))


def test_a_blank_status_name_is_refused(admin, office, check_page) -> None:
    new = _statuses(office)["new"]
    response = admin.post(f"/admin/case-types/{office.foi_id}/statuses/{new.id}", {"label": "  "})
    check_page(response, status=422, title="Error:")
    assert "Enter a status name of up to 100 characters" in response.text and f'href="#label-{new.id}"' in response.text
    assert _statuses(office)["new"].label == "New"


def test_an_in_progress_status_can_be_added_once(admin, office, check_page) -> None:
    path = f"/admin/case-types/{office.foi_id}/statuses"
    assert admin.post(path, {"new_status": "Legal review"}).status_code == 303
    added = _statuses(office)["legal_review"]
    assert added.kind == "in_progress" and added.position < _statuses(office)["closed"].position
    again = admin.post(path, {"new_status": "Legal review"})
    check_page(again, status=422)
    assert "already has a status called Legal review" in again.text and 'value="Legal review"' in again.text


def test_allowed_moves_take_effect(admin, office, check_page) -> None:
    statuses = _statuses(office)
    closed = statuses["closed"].id
    moves = [f"{s.id}-{closed}" for s in statuses.values() if s.kind != "closed"]
    moves.append(f"{statuses['new'].id}-{statuses['in_progress'].id}")
    response = admin.post(f"/admin/case-types/{office.foi_id}/transitions", {"move": moves})
    assert response.status_code == 303
    page = admin.get(f"/admin/case-types/{office.foi_id}")
    check_page(page)
    assert f'value="{statuses["new"].id}-{statuses["in_progress"].id}" checked' in page.text
    reference = office.new_reference("foi")
    with office.factory() as session, session.begin():
        user = session.get(StaffUser, office.ids[Role.ADMINISTRATOR])
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert user is not None and case is not None
        with pytest.raises(Conflict):
            workflow.change_status(session, SYSTEM, user, case, statuses["awaiting_clarification"].id)
        workflow.change_status(session, SYSTEM, user, case, statuses["in_progress"].id)
        assert case.status_id == statuses["in_progress"].id


def test_moves_that_leave_a_status_stuck_are_refused(admin, office, check_page) -> None:
    with office.factory() as session:
        before = transitions(session, office.foi_id)
    statuses = _statuses(office)
    response = admin.post(f"/admin/case-types/{office.foi_id}/transitions",
                          {"move": [f"{statuses['new'].id}-{statuses['closed'].id}"]})
    check_page(response, status=422, title="Error:")
    assert "has no way out" in response.text and 'href="#transitions"' in response.text
    assert f'value="{statuses["new"].id}-{statuses["closed"].id}" checked' in response.text
    with office.factory() as session:
        assert transitions(session, office.foi_id) == before


def test_task_templates_are_listed_and_added(admin, office, check_page) -> None:
    path = f"/admin/case-types/{office.foi_id}"
    bad = admin.post(path + "/tasks", {"task_title": "", "task_due": "soon", "task_group": ""})
    check_page(bad, status=422)
    assert "Days to complete must be a whole number, like 10" in bad.text
    assert "Enter a title of up to 200 characters" in bad.text and 'href="#task_title"' in bad.text
    good = admin.post(path + "/tasks", {"task_title": "Check for personal data", "task_due": "5",
                                        "task_group": str(office.info_governance_id)})
    assert good.status_code == 303
    with office.factory() as session:
        added = session.scalar(select(TaskTemplate).where(TaskTemplate.title == "Check for personal data"))
        assert added is not None and added.due_in_working_days == 5
    page = admin.get(path)
    check_page(page)
    assert "Check for personal data" in page.text and "Search for the information" in page.text
    assert "Granted in full" in page.text  # closure outcomes are shown


def test_who_may_change_the_clock_is_set_per_type(admin, office, check_page) -> None:
    from backoffice.deadlines.permissions import ClockAction, permissions_of

    path = f"/admin/case-types/{office.foi_id}"
    page = admin.get(path)
    check_page(page)
    assert 'name="extend_deadline"' in page.text
    response = admin.post(path + "/clock", {"manage_clock": ["manager", "administrator"],
                                             "extend_deadline": ["caseworker", "manager", "administrator"]})
    assert response.status_code == 303 and response.headers["location"] == path + "#clock"
    with office.factory() as session:
        saved = permissions_of(session, office.foi_id)
    assert saved[ClockAction.MANAGE] == {Role.MANAGER, Role.ADMINISTRATOR}
    assert saved[ClockAction.EXTEND] == {Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR}
    assert actions(office.factory, "case_type.clock_permission_changed")


def test_numbers_in_case_type_forms_are_ascii_digits(admin, office, check_page) -> None:
    """A move, a day count or a group is ASCII digits: other scripts' digits are refused, never a 500."""
    path = f"/admin/case-types/{office.foi_id}"
    for value in ("²", "٣", "１２", "1_0", "99999999999999999999"):
        moves = admin.post(path + "/transitions", {"move": [f"{value}-1", f"1-{value}"]})
        check_page(moves, status=422, title="Error: Freedom of Information request")
        assert "Select valid statuses" in moves.text or "has no way out" in moves.text
        settings = admin.post(path + "/settings", {
            "name": "Renamed", "reference_prefix": "FOI", "deadline_rule": "foi", "extension_days": value,
            "responsible_group": value, "escalation_group": value, "groups": [value]})
        check_page(settings, status=422, title="Error: Renamed")
        for message in ("Extension days must be a whole number, like 20", "Select the responsible group from the list",
                        "Select the escalation group from the list"):
            assert message in settings.text, (value, message)
        task = admin.post(path + "/tasks", {"task_title": "Check", "task_due": value, "task_group": value})
        check_page(task, status=422, title="Error: Freedom of Information request")
        assert "Days to complete must be a whole number, like 10" in task.text
        assert "Select a group from the list" in task.text
    assert _foi(office).name == "Freedom of Information request"
    assert not actions(office.factory, "case_type.updated")
    assert not actions(office.factory, "case_type.transitions_changed")
