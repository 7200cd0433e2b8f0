"""Restricting a SAR or complaint to named teams, and lifting it, from the case page (GOV.UK question page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backoffice.cases.models import CaseRestriction
from backoffice.staff.groups import Group, add_member, create_group
from shared import audit
from tests.backoffice.casework.conftest import SYSTEM, Office
from tests.backoffice.casework.helpers import banner, error_summary, get_case, submit

FORBIDDEN = "You do not have permission to see this page"


def _group(office: Office, name: str, *members: str) -> int:
    with office.factory() as session, session.begin():
        group = session.scalar(select(Group).where(Group.name == name)) or create_group(session, SYSTEM, name)
        for who in members:
            add_member(session, SYSTEM, group.id, office.ids[who])
        return group.id


def _restrictions(office: Office, reference: str) -> set[int]:
    case = get_case(office.factory, reference)
    with office.factory() as session:
        return set(session.scalars(select(CaseRestriction.group_id).where(CaseRestriction.case_id == case.id)))


def _actions(office: Office, reference: str) -> list[audit.AuditEvent]:
    with office.factory() as session:
        return [e for e in audit.history(session, "case", reference) if e.action.startswith("case.restrict")]


def test_a_manager_restricts_a_sar_and_the_case_page_says_so(office: Office, browser, check_page) -> None:
    reference = office.new_reference("sar")
    senior = _group(office, "Senior data protection", "manager", "caseworker")
    manager = browser("manager")
    case_page = manager.get(f"/cases/{reference}").text
    assert "Change who can see this case" in case_page and ">Restricted<" not in case_page
    form = check_page(manager.get(f"/cases/{reference}/restriction"), title=f"Who can see this case? – {reference}")
    assert form is not None
    response = submit(manager, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
                      {"who": "named", "groups": [str(senior)], "reason": "A complaint about a colleague"})
    assert response.status_code == 303 and response.headers["location"] == f"/cases/{reference}"
    page = check_page(manager.get(f"/cases/{reference}"), title=None)
    assert page is not None
    shown = manager.get(f"/cases/{reference}").text
    assert "Restricted" in shown and "Only Senior data protection (and the person" in shown
    assert _restrictions(office, reference) == {senior}
    [entry] = _actions(office, reference)
    assert entry.action == "case.restricted" and entry.detail["reason"] == "A complaint about a colleague"
    assert entry.actor_label == "manager@example.gov.uk"
    # Someone in every team that handles SARs but not in the named one no longer sees it.
    reader = browser("read-only")
    assert reader.get(f"/cases/{reference}").status_code == 403
    assert browser("caseworker").get(f"/cases/{reference}").status_code == 200


def test_the_banner_confirms_the_change(office: Office, browser) -> None:
    reference = office.new_reference("complaint")
    hr = _group(office, "Human resources", "manager")
    manager = browser("manager")
    submit(manager, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
           {"who": "named", "groups": [str(hr)], "reason": "About a member of staff"})
    assert banner(manager.get(f"/cases/{reference}").text) == "Only Human resources can now see this case"


def test_restricting_yourself_out_sends_you_to_the_case_list(office: Office, browser) -> None:
    reference = office.new_reference("sar")
    elsewhere = _group(office, "Legal")
    manager = browser("manager")
    response = submit(manager, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
                      {"who": "named", "groups": [str(elsewhere)], "reason": "Legal hold"})
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    assert "you can no longer open " + reference in (banner(manager.get("/cases").text) or "")
    assert manager.get(f"/cases/{reference}").status_code == 403
    assert browser("administrator").get(f"/cases/{reference}").status_code == 200


def test_lifting_the_restriction(office: Office, browser, check_page) -> None:
    reference = office.new_reference("sar")
    senior = _group(office, "Senior data protection", "administrator")
    admin = browser("administrator")
    submit(admin, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
           {"who": "named", "groups": [str(senior)], "reason": "Sensitive"})
    assert browser("caseworker").get(f"/cases/{reference}").status_code == 403
    form = admin.get(f"/cases/{reference}/restriction").text
    assert 'value="named" checked' in form
    response = submit(admin, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
                      {"who": "everyone", "reason": "No longer sensitive"})
    assert response.status_code == 303
    assert _restrictions(office, reference) == set()
    assert [e.action for e in _actions(office, reference)] == ["case.restricted", "case.restriction_removed"]
    assert browser("caseworker").get(f"/cases/{reference}").status_code == 200
    again = submit(admin, f"/cases/{reference}/restriction", f"/cases/{reference}/restriction",
                   {"who": "everyone", "reason": "Twice"})
    check_page(again, status=409, title=None)
    assert error_summary(again.text) == [("#who", "The case is not restricted")]


def test_refused_input_is_shown_with_an_error_summary_and_nothing_is_stored(office: Office, browser,
                                                                            check_page) -> None:
    reference = office.new_reference("sar")
    manager = browser("manager")
    path = f"/cases/{reference}/restriction"
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({"reason": "Sensitive"}, [("#who", "Select who can see this case")]),
        ({"who": "named", "reason": "Sensitive"}, [("#groups", "Select at least one team")]),
        ({"who": "named", "groups": ["²", "99999999999999999999"], "reason": "Sensitive"},
         [("#groups", "Select at least one team")]),
        ({"who": "named", "groups": ["1"], "reason": "  "}, [("#reason", "Enter why access to the case is changing")]),
    ]
    for data, expected in cases:
        response = submit(manager, path, path, data)
        check_page(response, status=422, title=None)
        assert error_summary(response.text) == expected, data
    assert _restrictions(office, reference) == set() and _actions(office, reference) == []


def test_only_managers_and_administrators_may_restrict_and_only_restrictable_types(office: Office, browser) -> None:
    sar, foi = office.new_reference("sar"), office.new_reference("foi")
    for who in ("caseworker", "read-only"):
        client = browser(who)
        assert client.get(f"/cases/{sar}/restriction").status_code == 403
        assert "Change who can see this case" not in client.get(f"/cases/{sar}").text
    manager = browser("manager")
    assert manager.get(f"/cases/{foi}/restriction").status_code == 403
    assert "Change who can see this case" not in manager.get(f"/cases/{foi}").text
    assert browser("outsider").get(f"/cases/{sar}/restriction").status_code == 403
