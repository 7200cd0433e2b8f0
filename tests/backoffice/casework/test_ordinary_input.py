"""Input no form offers but anyone can type or send: digits of other scripts, enormous numbers, a field sent
twice, a date the deadline calendar does not cover. Each is explained on the page (a GOV.UK error summary)
or read sensibly, and nothing is stored; never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

from backoffice.cases.models import Case, ClockEventRecord, Task
from backoffice.cases.timeline import READS
from shared import audit
from tests.backoffice.casework.conftest import Office, days_ago
from tests.backoffice.casework.helpers import count_cases, error_summary, form_fields, get_case, submit

#: Not ASCII digits, though str.isdigit() or int() takes each: superscript two, Arabic-Indic three,
#: fullwidth one two, and int()'s underscores.
NOT_DIGITS = ("²", "٣", "１２", "1_0")
ENORMOUS = "99999999999999999999"


def _new_case_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    day = days_ago(3)
    values: dict[str, str | list[str]] = {
        "case_type": "foi", "received_on-day": str(day.day), "received_on-month": str(day.month),
        "received_on-year": str(day.year), "channel": "post", "requester_name": "Ada Lovelace",
        "requester_email": "ada@example.com", "subject": "Library budgets", "description": "All papers.",
        "priority": "normal"}
    values.update(changes)
    return values


def _audit_count(office: Office) -> int:
    """Changes recorded; reads of the case (a page shown again with its error is a view) are not changes."""
    with office.factory() as session:
        return int(session.scalar(select(func.count(audit.AuditEvent.id))
                                  .where(audit.AuditEvent.action.not_in(READS))) or 0)


def test_numbers_in_list_queries_are_ascii_digits(office: Office, browser, check_page) -> None:
    office.new_reference()
    client = browser("manager")
    for value in NOT_DIGITS:
        for path, title in (("/cases", "All open cases"), ("/cases/mine", "My cases"), ("/cases/team", "Team queue")):
            check_page(client.get(f"{path}?{urlencode({'page': value})}"), title=title)  # the first page
        response = client.get("/cases?" + urlencode({"due_within": value}))
        check_page(response, title="Error: All open cases")
        assert error_summary(response.text) == [("#due_within", "Due within must be a whole number of days, like 10")]
        for name in ("owner", "team"):
            check_page(client.get("/cases?" + urlencode({name: value})), title="All open cases")
        check_page(client.get("/cases/team?" + urlencode({"owner": value})), title="Team queue")
    check_page(client.get("/cases?" + urlencode({"page": ENORMOUS, "due_within": ENORMOUS})),
               title="Error: All open cases")


def test_numbers_in_case_actions_are_ascii_digits(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    path = f"/cases/{reference}"
    client = browser("manager")
    before = _audit_count(office)
    for value in (*NOT_DIGITS, ENORMOUS):
        response = submit(client, path, f"{path}/status", {"status": value})
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) == [("#status", "Select the new status")]
        response = submit(client, path, f"{path}/assign", {"group": "", "owner": value})
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) == [("#assign-owner", "Select a person from the list")]
        response = submit(client, path, f"{path}/assign", {"group": value, "owner": ""})
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) == [("#assign-group", "Select a team from the list")]
    assert _audit_count(office) == before
    assert get_case(office.factory, reference).owner_id is None


def test_enormous_or_foreign_digits_in_staff_dates_are_not_real_dates(office: Office, browser,
                                                                      check_page) -> None:
    reference = office.new_reference("foi", received_on=days_ago(10))
    path = f"/cases/{reference}"
    client = browser("manager")
    today = days_ago(0)
    for day, month, year in ((ENORMOUS, "1", str(today.year)), ("1", ENORMOUS, str(today.year)),
                             ("²", "1", str(today.year)), ("١", "1", str(today.year)), ("1", "1", "２０２５")):
        response = submit(client, "/cases/new", "/cases/new", _new_case_form(
            **{"received_on-day": day, "received_on-month": month, "received_on-year": year}))
        check_page(response, status=422, title="Error: Log a new case")
        assert error_summary(response.text) in ([("#received_on-day", "Date received must be a real date")],
                                                [("#received_on-year", "Year must include 4 numbers")])
        response = submit(client, path, f"{path}/tasks", {"title": "Call them", "due-day": day, "due-month": month,
                                                          "due-year": year})
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) in ([("#task-due-day", "Due date must be a real date")],
                                                [("#task-due-year", "Year must include 4 numbers")])
        response = submit(client, f"{path}/stop-clock", f"{path}/stop-clock",
                          {"reason": "fee", "on-day": day, "on-month": month, "on-year": year})
        check_page(response, status=422, title="Error: Why is the clock stopping?")
        assert error_summary(response.text) in ([("#on-day", "Date must be a real date")],
                                                [("#on-year", "Year must include 4 numbers")])
    assert count_cases(office.factory) == 1
    with office.factory() as session:
        assert session.scalar(select(func.count(ClockEventRecord.id))) == 0
        assert session.scalar(select(func.count(Task.id))) == 2  # the FOI type's automatic tasks only
    check_page(client.get("/cases?" + urlencode({"received_from-day": "²", "received_from-month": "1",
                                                 "received_from-year": "2026"})), title="Error: All open cases")


def test_a_date_received_outside_the_calendar_is_explained(office: Office, browser, check_page) -> None:
    client = browser("caseworker")
    for year in ("1999", "1066"):
        response = submit(client, "/cases/new", "/cases/new", _new_case_form(
            **{"received_on-day": "31", "received_on-month": "12", "received_on-year": year}))
        check_page(response, status=422, title="Error: Log a new case")
        assert error_summary(response.text) == [("#received_on-day",
                                                 "Date received must be between 1 January 2000 and 31 December 2045")]
    assert count_cases(office.factory) == 0
    earliest = submit(client, "/cases/new", "/cases/new", _new_case_form(
        **{"received_on-day": "1", "received_on-month": "1", "received_on-year": "2000"}))
    assert earliest.status_code == 303
    with office.factory() as session:
        case = session.scalar(select(Case))
        assert case is not None and str(case.received_on) == "2000-01-01" and case.due_on is not None


def test_task_and_clock_dates_outside_the_calendar_are_explained(office: Office, browser,
                                                                  check_page) -> None:
    """A task due in 2999 was stored, and the case's targets page then failed on it (CalendarError, a 500)."""
    reference = office.new_reference("foi", received_on=days_ago(10))
    path = f"/cases/{reference}"
    client = browser("manager")
    response = submit(client, path, f"{path}/tasks", {"title": "Call them", "due-day": "1", "due-month": "1",
                                                      "due-year": "2999"})
    check_page(response, status=422, title=f"Error: {reference}")
    assert error_summary(response.text) == [("#task-due-day", "Due date must be between 1 January 2000 and 31 December 2045")]
    response = submit(client, f"{path}/stop-clock", f"{path}/stop-clock",
                      {"reason": "fee", "on-day": "31", "on-month": "12", "on-year": "1999"})
    check_page(response, status=422, title="Error: Why is the clock stopping?")
    assert error_summary(response.text) == [("#on-day", "Date must be between 1 January 2000 and 31 December 2045")]
    with office.factory() as session:
        assert session.scalar(select(func.count(ClockEventRecord.id))) == 0
        assert session.scalar(select(func.count(Task.id))) == 2  # the FOI type's automatic tasks only
    check_page(client.get(f"{path}/targets"))


def test_a_form_field_sent_twice_is_read_once(office: Office, browser, check_page) -> None:
    """A radio or text box sent twice (a tampered or doubled form) is its first value, not a list."""
    client = browser("caseworker")
    fields = form_fields(client.get("/cases/new").text, "/cases/new")
    doubled = _new_case_form(channel=["email", "post"], priority=["high", "urgent"], subject=["First", "Second"],
                             case_type=["foi", "eir"])
    response = client.post("/cases/new", data={**fields, **doubled}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    with office.factory() as session:
        case = session.scalar(select(Case))
        assert case is not None
        assert (case.channel, case.priority, case.subject, case.case_type.key) == ("email", "high", "First", "foi")
    refused = client.post("/cases/new", data={**form_fields(client.get("/cases/new").text, "/cases/new"),
                                              **_new_case_form(channel=["fax", "post"], requester_name="")},
                          follow_redirects=False)
    check_page(refused, status=422, title="Error: Log a new case")
    assert error_summary(refused.text) == [("#requester_name", "Enter the requester's name"),
                                           ("#channel", "Select how the request was received")]
    assert count_cases(office.factory) == 1
