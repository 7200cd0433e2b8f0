"""The completion target on the case page and the pages that change it, over HTTP as a browser uses them:
stop and restart the clock, extend the deadline, the GOV.UK errors for refused input, and who is offered what.

Today is fixed at Monday 16 March 2026; the FOI case was received on Monday 2 March, so it is due on
Tuesday 31 March (17 March is a bank holiday in Northern Ireland, which the UK calendar does not count).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from backoffice.cases.models import CaseType
from backoffice.casework.web.routes import casework_routes
from backoffice.deadlines.permissions import ClockAction, set_permission
from backoffice.staff.accounts import Role
from shared import audit
from tests.backoffice.casework.conftest import SYSTEM, Office
from tests.backoffice.casework.helpers import banner, error_summary, form_fields, get_case, submit

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)
FORBIDDEN = "You do not have permission to see this page"
DATE = {"on-day": "16", "on-month": "3", "on-year": "2026"}


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(TODAY)


def _section(page: str) -> str:
    """The completion target section of the case page."""
    return page[page.index('id="completion-target"'):page.index(">Description<")]


def _explanation(page: str) -> list[str]:
    section = _section(page)
    return re.findall(r"<li>(.*?)</li>", section[section.index("How the due date was worked out"):], re.S)


def _offered(page: str, reference: str) -> set[str]:
    return {name for name in ("extend", "stop-clock", "restart-clock") if f'href="/cases/{reference}/{name}"' in page}


def _timeline(office: Office, reference: str) -> list[str]:
    with office.factory() as session:
        return list(session.scalars(select(audit.AuditEvent.summary).where(
            audit.AuditEvent.object_id == reference, audit.AuditEvent.action == "case.clock_changed")
            .order_by(audit.AuditEvent.id)))


def test_case_page_shows_the_completion_target(office: Office, browser, check_page) -> None:
    reference = office.new_reference("foi", received_on=RECEIVED)
    page = browser("caseworker").get(f"/cases/{reference}")
    check_page(page, title=reference)
    section = _section(page.text)
    assert "Completion target" in section and "31 March 2026" in section and "15 days left" in section
    assert "Running" in section and "Not extended" in section
    assert _explanation(page.text)[-1] == "Due Tue 31 Mar 2026."
    assert page.text.count("How the due date was worked out") == 1
    offered = {who: _offered(browser(who).get(f"/cases/{reference}").text, reference)
               for who in ("administrator", "manager", "caseworker", "read-only")}
    assert offered == {"administrator": {"extend", "stop-clock"}, "manager": {"extend", "stop-clock"},
                       "caseworker": {"stop-clock"}, "read-only": set()}
    complaint = office.new_reference("complaint")
    text = browser("manager").get(f"/cases/{complaint}").text
    assert _offered(text, complaint) == {"extend"}  # the complaint-handling code's further working days
    assert "10 further working days" in browser("manager").get(f"/cases/{complaint}/extend").text
    enquiry = office.new_reference("enquiry")
    text = browser("manager").get(f"/cases/{enquiry}").text
    assert "This type of case has no extension" in _section(text)
    assert _offered(browser("manager").get(f"/cases/{enquiry}").text, enquiry) == {"stop-clock"}


def test_stop_and_restart_the_clock(office: Office, browser, check_page) -> None:
    reference = office.new_reference("foi", received_on=RECEIVED)
    path = f"/cases/{reference}"
    client = browser("caseworker")
    before = _explanation(client.get(path).text)
    form = client.get(f"{path}/stop-clock")
    check_page(form, title="Why is the clock stopping?")
    assert 'value="fee"' in form.text and 'value="clarification"' in form.text and 'value="identity"' not in form.text
    assert 'name="on-day" type="text" value="16"' in form.text  # today by default
    fields = form_fields(form.text, f"{path}/stop-clock")
    data = {**fields, "reason": "clarification", "on-day": "9", "on-month": "3", "on-year": "2026",
            "note": "Asked which roads they mean"}
    response = client.post(f"{path}/stop-clock", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == path
    again = client.post(f"{path}/stop-clock", data=data, follow_redirects=False)  # a double click acts once
    assert again.status_code == 303
    page = client.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == "Clock stopped: waiting for clarification (the clock is stopped)"
    section = _section(page.text)
    assert "Not set: the clock is stopped" in section and "Clock stopped" in section
    assert "Stopped since 9 March 2026: waiting for clarification" in section
    assert _explanation(page.text) != before
    assert _offered(page.text, reference) == {"restart-clock"}
    assert get_case(office.factory, reference).due_on is None
    # Stopped already: the stop page has nothing to ask.
    assert client.get(f"{path}/stop-clock", follow_redirects=False).headers["location"] == path

    restart = client.get(f"{path}/restart-clock")
    check_page(restart, title="Restart the clock")
    assert "When did the requester clarify the request?" in restart.text
    response = submit(client, f"{path}/restart-clock", f"{path}/restart-clock", DATE)
    assert response.status_code == 303
    page = client.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == "Clock restarted: the case is now due on 16 April 2026"
    assert "Running" in _section(page.text)
    assert "Clarification sought Mon 9 Mar 2026 and received Mon 16 Mar 2026" in " ".join(_explanation(page.text))
    assert get_case(office.factory, reference).due_on == dt.date(2026, 4, 16)
    assert _timeline(office, reference) == ["Clock stopped: clarification requested; clock stopped",
                                            "Clock restarted: clarification received; due 16 April 2026"]
    assert "Clock restarted: clarification received; due 16 April 2026" in page.text  # on the timeline
    assert client.get(f"{path}/restart-clock", follow_redirects=False).headers["location"] == path


def test_extend_the_deadline(office: Office, browser, check_page) -> None:
    reference = office.new_reference("foi", received_on=RECEIVED)
    path = f"/cases/{reference}"
    manager = browser("manager")
    form = manager.get(f"{path}/extend")
    check_page(form, title="Extend the deadline")
    assert "The deadline moves by 20 further working days (FOIA s.10(3): public interest test)." in form.text
    assert "If you extend it today, the case will be due on 30 April 2026." in form.text
    empty = submit(manager, f"{path}/extend", f"{path}/extend", {"reason": "  "})
    check_page(empty, status=422, title="Error: Extend the deadline")
    assert error_summary(empty.text) == [("#reason", "Enter the reason, up to 2000 characters")]
    response = submit(manager, f"{path}/extend", f"{path}/extend", {"reason": "Public interest test for s.43"})
    assert response.status_code == 303
    page = manager.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == "Deadline extended: the case is now due on 30 April 2026"
    section = _section(page.text)
    assert "30 April 2026" in section and "Extended" in section and "Not extended" not in section
    assert any("20 further working days" in line for line in _explanation(page.text))
    assert _offered(page.text, reference) == {"stop-clock"}  # extended once: not offered again
    twice = submit(manager, f"{path}/extend", f"{path}/extend", {"reason": "Again"})
    check_page(twice, status=409, title="Error: Extend the deadline")
    assert error_summary(twice.text)[0][0] == "#reason" and "only once" in error_summary(twice.text)[0][1]
    assert _timeline(office, reference) == ["Deadline extended: Public interest test for s.43; due 30 April 2026"]


@pytest.mark.parametrize(("case_type", "wording", "due"), [
    ("eir", "The deadline becomes 40 working days after the request was received (EIR reg. 7(1)", "30 April 2026"),
    ("sar", "The deadline becomes three months from the start: two further months (UK GDPR art. 12(3)", "2 June 2026"),
])
def test_extension_wording_follows_the_type(office: Office, browser, check_page, case_type: str,
                                           wording: str, due: str) -> None:
    reference = office.new_reference(case_type, received_on=RECEIVED)
    form = browser("manager").get(f"/cases/{reference}/extend")
    check_page(form, title="Extend the deadline")
    assert wording in form.text and f"the case will be due on {due}" in form.text


def test_refused_clock_input_is_shown_as_govuk_errors(office: Office, browser, check_page) -> None:
    reference = office.new_reference("foi", received_on=RECEIVED)
    path = f"/cases/{reference}"
    client = browser("caseworker")
    cases = [
        ({"on-day": "", "on-month": "", "on-year": ""}, 422,
         [("#reason", "Select why the clock is stopping"), ("#on-day", "Enter the date you asked the requester")]),
        ({"reason": "fee", "on-day": "31", "on-month": "2", "on-year": "2026"}, 422,
         [("#on-day", "Date must be a real date")]),
        ({"reason": "fee", "on-day": "1", "on-month": "", "on-year": "2026"}, 422,
         [("#on-month", "Date must include a month")]),
        ({"reason": "fee", "on-day": "17", "on-month": "3", "on-year": "2026"}, 422,
         [("#on-day", "Date must be today or in the past")]),
        ({"reason": "identity", **DATE}, 422, [("#reason", "Select why the clock is stopping")]),  # not for FOI
        ({"reason": "fee", "on-day": "1", "on-month": "3", "on-year": "2026"}, 409,
         [("#on-day", "fee requested on 2026-03-01 is before the request was received (2026-03-02)")]),
    ]
    for data, status, expected in cases:
        response = submit(client, f"{path}/stop-clock", f"{path}/stop-clock", {"note": "Kept note", **data})
        check_page(response, status=status, title="Error: Why is the clock stopping?")
        assert error_summary(response.text) == expected, data
        assert "Kept note</textarea>" in response.text
    assert _timeline(office, reference) == []
    assert submit(client, f"{path}/stop-clock", f"{path}/stop-clock", {"reason": "fee", **DATE}).status_code == 303
    future = submit(client, f"{path}/restart-clock", f"{path}/restart-clock",
                    {"on-day": "1", "on-month": "1", "on-year": "2027"})
    check_page(future, status=422, title="Error: Restart the clock")
    assert error_summary(future.text) == [("#on-day", "Date must be today or in the past")]
    assert get_case(office.factory, reference).due_on is None


def test_who_may_change_the_clock_is_set_per_case_type(office: Office, browser, check_page) -> None:
    reference = office.new_reference("foi", received_on=RECEIVED)
    path = f"/cases/{reference}"
    caseworker = browser("caseworker")
    check_page(caseworker.get(f"{path}/extend"), status=403, title=FORBIDDEN)
    token = form_fields(caseworker.get(path).text, f"{path}/notes")
    refused = caseworker.post(f"{path}/extend", data={**token, "reason": "Because"})
    check_page(refused, status=403, title=FORBIDDEN)
    _set(office, "foi", ClockAction.EXTEND, Role.CASEWORKER, True)
    page = caseworker.get(path).text
    assert _offered(page, reference) == {"extend", "stop-clock"}
    assert submit(caseworker, f"{path}/extend", f"{path}/extend", {"reason": "Because"}).status_code == 303
    _set(office, "foi", ClockAction.MANAGE, Role.CASEWORKER, False)
    assert _offered(caseworker.get(path).text, reference) == set()
    check_page(caseworker.get(f"{path}/stop-clock"), status=403, title=FORBIDDEN)
    refused = caseworker.post(f"{path}/stop-clock", data={**token, "reason": "fee", **DATE})
    check_page(refused, status=403, title=FORBIDDEN)
    assert get_case(office.factory, reference).due_on == dt.date(2026, 4, 30)  # extended, never stopped
    # Other types keep their own settings; an enquiry has no extension for anyone.
    enquiry = office.new_reference("enquiry", received_on=RECEIVED)
    check_page(browser("manager").get(f"/cases/{enquiry}/extend"), status=403, title=FORBIDDEN)
    check_page(caseworker.get(f"/cases/{enquiry}/stop-clock"), title="Why is the clock stopping?")
    # Read-only staff and people who cannot see the case get the same refusal as for a missing case.
    check_page(browser("read-only").get(f"{path}/stop-clock"), status=403, title=FORBIDDEN)
    for suffix in ("/extend", "/stop-clock", "/restart-clock"):
        check_page(browser("outsider").get(f"{path}{suffix}"), status=403, title=FORBIDDEN)
        check_page(browser("outsider").get(f"/cases/FOI-1999-99999{suffix}"), status=403, title=FORBIDDEN)


def test_a_closed_case_has_no_clock_to_change(office: Office, browser) -> None:
    reference = office.new_reference("enquiry", received_on=RECEIVED)
    path = f"/cases/{reference}"
    manager = browser("manager")
    assert submit(manager, f"{path}/close", f"{path}/close", {"outcome": "answered"}).status_code == 303
    assert _offered(manager.get(path).text, reference) == set()
    for suffix in ("/extend", "/stop-clock", "/restart-clock"):
        assert manager.get(f"{path}{suffix}", follow_redirects=False).headers["location"] == path
    token = form_fields(manager.get(path).text, f"{path}/watch")
    refused = manager.post(f"{path}/stop-clock", data={**token, "reason": "fee", **DATE}, follow_redirects=False)
    assert refused.status_code == 303 and _timeline(office, reference) == []


def test_clock_routes_let_caseworkers_in_and_leave_the_rest_to_the_case_type() -> None:
    policies = {route.name: route.access.name for route in casework_routes()}  # type: ignore[attr-defined]
    for name in ("case-extend", "case-stop-clock", "case-restart-clock", "case-attachment-add"):
        assert policies[name] == "staff:caseworker,manager,administrator", name
    assert policies["case-attachment"] == "staff:any"


def _set(office: Office, key: str, action: ClockAction, role: Role, allowed: bool) -> None:
    with office.factory() as session, session.begin():
        case_type = session.scalar(select(CaseType).where(CaseType.key == key))
        assert case_type is not None
        set_permission(session, SYSTEM, case_type, action, role, allowed)
