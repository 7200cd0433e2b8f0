"""Forms: valid input acts once, invalid input comes back with the GOV.UK error summary and nothing stored,
and whatever people type is shown escaped."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.cases.models import CaseLink, CaseNote, Task
from backoffice.cases.timeline import READS
from shared import audit
from shared.mail.models import OutboxMessage
from tests.backoffice.casework.conftest import Office, days_ago
from tests.backoffice.casework.helpers import banner, count_cases, error_summary, form_fields, get_case, submit
from tests.backoffice.conftest import run_notification_jobs

HOSTILE = "<script>alert('x')</script>"


def _new_case_form(**changes: str) -> dict[str, str]:
    day = days_ago(3)
    values = {"case_type": "foi", "received_on-day": str(day.day), "received_on-month": str(day.month),
              "received_on-year": str(day.year), "channel": "post", "requester_name": "Ada Lovelace",
              "requester_email": "", "requester_phone": "01632 960 001",
              "requester_address": "1 High Street\nTestshire\nTE1 1ST", "subject": "Library budgets",
              "description": "All papers on library budgets.\n\nSince 2020.", "priority": "high"}
    values.update(changes)
    return values


def test_new_case_is_logged_once_and_shown_with_a_success_banner(office: Office, browser,
                                                                   check_page) -> None:
    client = browser("caseworker")
    fields = form_fields(client.get("/cases/new").text, "/cases/new")
    response = client.post("/cases/new", data={**fields, **_new_case_form()}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    again = client.post("/cases/new", data={**fields, **_new_case_form()}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == location  # the same case, not a second
    assert count_cases(office.factory) == 1
    page = client.get(location)
    check_page(page, title=location.rsplit("/", 1)[1])
    reference = location.rsplit("/", 1)[1]
    assert banner(page.text) == f"Case {reference} created"
    case = get_case(office.factory, reference)
    assert (case.channel, case.priority, case.received_on, case.requester_email) == ("post", "high", days_ago(3), None)
    assert "1 High Street<br>Testshire<br>TE1 1ST" in page.text
    assert '<p class="govuk-body">All papers on library budgets.</p>' in page.text
    assert "How the due date was worked out" in page.text and "20 working days" in page.text


def test_new_case_errors_keep_the_input_and_store_nothing(office: Office, browser, check_page) -> None:
    client = browser("manager")
    empty = dict.fromkeys(_new_case_form(), "") | {"subject": "Kept subject"}
    response = submit(client, "/cases/new", "/cases/new", empty)
    page = check_page(response, status=422, title="Error: Log a new case")
    assert page.title.startswith("Error: ")
    assert error_summary(response.text) == [
        ("#case_type", "Select the type of case"),
        ("#received_on-day", "Enter the date the request was received"),
        ("#requester_name", "Enter the requester's name"),
        ("#requester_email", "Enter an email address or a postal address so we can reply"),
        ("#description", "Enter a description of the request"),
        ("#channel", "Select how the request was received"),
        ("#priority", "Select the priority"),
    ]
    assert 'value="Kept subject"' in response.text
    for autocomplete in ("name", "email", "tel", "street-address"):
        assert f'autocomplete="{autocomplete}"' in response.text
    assert count_cases(office.factory) == 0
    bad_dates = [
        ({"received_on-day": "31", "received_on-month": "2"}, "#received_on-day", "Date received must be a real date"),
        ({"received_on-month": ""}, "#received_on-month", "Date received must include a month"),
        ({"received_on-year": str(days_ago(-400).year)}, "#received_on-day", "Date received must be today or in the past"),
        ({"requester_email": "not an email"}, "#requester_email",
         "Enter an email address in the correct format, like name@example.com"),
    ]
    for changes, href, message in bad_dates:
        response = submit(client, "/cases/new", "/cases/new", _new_case_form(**changes))
        check_page(response, status=422)
        assert error_summary(response.text) == [(href, message)]
    assert count_cases(office.factory) == 0


def test_hostile_text_is_shown_escaped(office: Office, browser, check_page) -> None:
    reference = office.new_reference(subject=HOSTILE, description=HOSTILE)
    client = browser("caseworker")
    path = f"/cases/{reference}"
    response = submit(client, path, f"{path}/notes", {"note": HOSTILE, "visibility": "requester"})
    assert response.status_code == 303
    for page_path in (path, "/cases", "/cases/team", f"/cases?q={HOSTILE}"):
        page = client.get(page_path)
        check_page(page)
        assert "<script>alert" not in page.text
    text = client.get(path).text
    assert text.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") >= 3  # title, subject, description, note


def test_a_repeated_action_acts_once(office: Office, browser) -> None:
    reference = office.new_reference()
    client = browser("caseworker")
    path = f"/cases/{reference}"
    fields = form_fields(client.get(path).text, f"{path}/notes")
    for _ in range(3):
        response = client.post(f"{path}/notes", data={**fields, "note": "Once", "visibility": "internal"},
                               follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == path
    email = form_fields(client.get(path).text, f"{path}/email")
    for _ in range(2):
        client.post(f"{path}/email", data={**email, "subject": "Hello", "body": "Once"}, follow_redirects=False)
    with office.factory() as session:
        assert session.scalar(select(func.count(CaseNote.id))) == 1
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_refused_actions_show_the_case_page_again_with_errors(office: Office, browser,
                                                              check_page) -> None:
    reference = office.new_reference()
    client = browser("caseworker")
    path = f"/cases/{reference}"
    events_before = _events(office, reference)
    cases = [
        ("notes", {"note": "  ", "visibility": "internal"}, [("#note", "Enter the note")]),
        ("email", {"subject": "", "body": "Kept body"},
         [("#email-subject", "Enter a subject of up to 200 characters")]),
        ("links", {"other_reference": "FOI-1999-00001"}, [("#link-reference", "Enter the reference of a case you can see")]),
        ("links", {"other_reference": reference}, [("#link-reference", "Enter the reference of another case")]),
        ("tasks", {"title": "", "due-day": "", "due-month": "", "due-year": ""},
         [("#task-title", "Enter a task title of up to 200 characters")]),
        ("tasks", {"title": "Call them", "due-day": "40", "due-month": "1", "due-year": "2026"},
         [("#task-due-day", "Due date must be a real date")]),
        ("status", {}, [("#status", "Select the new status")]),
    ]
    for action, data, expected in cases:
        response = submit(client, path, f"{path}/{action}", data)
        check_page(response, status=422, title=f"Error: {reference}")
        assert error_summary(response.text) == expected, action
    kept = submit(client, path, f"{path}/email", {"subject": "", "body": "Kept body"})
    assert "Kept body</textarea>" in kept.text
    assert _events(office, reference) == events_before
    with office.factory() as session:
        assert session.scalar(select(func.count(CaseNote.id))) == 0
        assert session.scalar(select(func.count(CaseLink.id))) == 0
        assert session.scalar(select(func.count(Task.id))) == 2


def test_closing_and_reopening_refusals(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    path = f"/cases/{reference}"
    manager = browser("manager")
    no_outcome = submit(manager, f"{path}/close", f"{path}/close", {"exemptions": ["s40"]})
    check_page(no_outcome, status=422, title="Error: What was the outcome?")
    assert error_summary(no_outcome.text) == [("#outcome", "Select the outcome")]
    assert 'value="s40" checked' in no_outcome.text
    open_tasks = submit(manager, f"{path}/close", f"{path}/close", {"outcome": "granted_in_full"})
    check_page(open_tasks, status=409, title="Error: What was the outcome?")
    assert error_summary(open_tasks.text) == [
        ("#open-tasks", "Complete or cancel the 2 open tasks before closing the case")]
    assert get_case(office.factory, reference).closed_at is None
    with office.factory() as session, session.begin():
        for task in session.scalars(select(Task)):
            task.status = "cancelled"
    assert submit(manager, f"{path}/close", f"{path}/close", {"outcome": "not_held"}).status_code == 303
    no_reason = submit(manager, f"{path}/reopen", f"{path}/reopen", {"reason": " "})
    check_page(no_reason, status=422, title="Error: Why are you reopening the case?")
    assert error_summary(no_reason.text) == [("#reason", "Enter the reason for reopening the case")]
    reopened = submit(manager, f"{path}/reopen", f"{path}/reopen", {"reason": "The requester found more."})
    assert reopened.status_code == 303
    page = manager.get(path)
    assert banner(page.text) == "Case reopened" and "Reopened: The requester found more." in page.text
    assert get_case(office.factory, reference).closed_at is None


def test_assign_link_and_watch(office: Office, browser, check_page, settings) -> None:
    first, second = office.new_reference(), office.new_reference("eir", subject="Air quality")
    path = f"/cases/{first}"
    manager = browser("manager")
    caseworker_id = office.ids["caseworker"]
    response = submit(manager, path, f"{path}/assign",
                      {"group": str(get_case(office.factory, first).team_group_id), "owner": str(caseworker_id)})
    assert response.status_code == 303
    assert banner(manager.get(path).text) == "Case assigned to Caseworker"
    assert get_case(office.factory, first).owner_id == caseworker_id
    with office.factory() as session, session.begin():
        run_notification_jobs(session, settings)
        told = session.scalar(select(OutboxMessage.to_address).where(OutboxMessage.subject.contains("assigned to you")))
    assert told == "caseworker@example.gov.uk"
    caseworker = browser("caseworker")
    # A caseworker is not offered assignment, and sending the form anyway is refused.
    token = form_fields(caseworker.get(path).text, f"{path}/notes")
    refused = caseworker.post(f"{path}/assign", data={**token, "owner": ""})
    check_page(refused, status=403)
    assert submit(caseworker, path, f"{path}/links", {"other_reference": second.lower()}).status_code == 303
    assert f'href="/cases/{second}">{second}</a>' in caseworker.get(path).text
    assert f'href="/cases/{first}">{first}</a>' in caseworker.get(f"/cases/{second}").text
    assert submit(caseworker, path, f"{path}/watch", {}).status_code == 303
    page = caseworker.get(path).text
    assert banner(page) == "You are watching this case" and "Stop watching" in page
    assert submit(caseworker, path, f"{path}/watch", {}).status_code == 303
    assert banner(caseworker.get(path).text) == "You have stopped watching this case"


def _events(office: Office, reference: str) -> int:
    """What was done to the case (its views, audited too, are not changes)."""
    with office.factory() as session:
        return len([e for e in audit.history(session, "case", reference) if e.action not in READS])




def test_the_close_page_asks_when_the_response_was_sent(office: Office, browser, check_page) -> None:
    import datetime as dt

    from backoffice.intake.new_cases import today_in_london

    today = today_in_london()
    reference = office.new_reference(received_on=today - dt.timedelta(days=5))
    path = f"/cases/{reference}"
    with office.factory() as session, session.begin():
        for task in session.scalars(select(Task)):
            task.status = "cancelled"
    manager = browser("manager")
    page = manager.get(f"{path}/close")
    check_page(page, title="What was the outcome?")
    assert "Date the response was sent" in page.text
    assert f'name="responded_on-day" type="text" value="{today.day}"' in page.text
    future = today + dt.timedelta(days=1)
    refused = submit(manager, f"{path}/close", f"{path}/close", {
        "outcome": "granted_in_full", "exemptions": ["s40"], "responded_on-day": str(future.day),
        "responded_on-month": str(future.month), "responded_on-year": str(future.year)})
    check_page(refused, status=422, title="Error: What was the outcome?")
    assert [href for href, _ in error_summary(refused.text)] == ["#exemptions", "#responded_on-day"]
    half = submit(manager, f"{path}/close", f"{path}/close", {
        "outcome": "not_held", "responded_on-day": "3", "responded_on-month": "", "responded_on-year": "2026"})
    check_page(half, status=422, title="Error: What was the outcome?")
    assert error_summary(half.text) == [("#responded_on-month", "The date the response was sent must include a month")]
    early = today - dt.timedelta(days=6)
    before = submit(manager, f"{path}/close", f"{path}/close", {
        "outcome": "not_held", "responded_on-day": str(early.day), "responded_on-month": str(early.month),
        "responded_on-year": str(early.year)})
    assert before.status_code == 422 and "after the date received" in error_summary(before.text)[0][1]
    assert get_case(office.factory, reference).closed_at is None
    sent = today - dt.timedelta(days=2)
    closed = submit(manager, f"{path}/close", f"{path}/close", {
        "outcome": "not_held", "responded_on-day": str(sent.day), "responded_on-month": str(sent.month),
        "responded_on-year": str(sent.year)})
    assert closed.status_code == 303
    assert get_case(office.factory, reference).responded_on == sent
