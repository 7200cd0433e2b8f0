"""A caseworker works a case over HTTP from the team queue to closure, as a browser would."""

from __future__ import annotations

import re

from sqlalchemy import select

from backoffice.cases.models import CaseNote, CaseStatus, CaseType, Task
from backoffice.staff.accounts import StaffUser, set_password
from shared.mail.models import OutboxMessage
from tests.backoffice.casework.conftest import Office
from tests.backoffice.casework.helpers import banner, form_fields, get_case

PASSWORD = "correct horse battery staple"


def test_a_caseworker_works_a_case_from_the_queue_to_closure(office: Office, stranger, check_page) -> None:
    reference = office.new_reference("foi", subject="Bus timetables")
    path = f"/cases/{reference}"
    with office.factory() as session, session.begin():
        user = session.get(StaffUser, office.ids["caseworker"])
        assert user is not None
        set_password(user, PASSWORD)
    client = stranger

    # Sign in through the real form and land on the team queue asked for.
    to_sign_in = client.get("/cases/team", follow_redirects=False)
    sign_in_page = client.get(to_sign_in.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_page.text)
    assert csrf
    signed_in = client.post("/sign-in", data={"csrf_token": csrf.group(1), "email": "caseworker@example.gov.uk",
                                              "password": PASSWORD, "next": "/cases/team"}, follow_redirects=False)
    assert signed_in.headers["location"] == "/cases/team"
    queue = client.get("/cases/team")
    check_page(queue, title="Team queue")

    # Claim it from the queue.
    claimed = client.post(f"{path}/claim", data=form_fields(queue.text, f"{path}/claim"), follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == path
    page = client.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == "You have claimed this case"
    assert banner(client.get(path).text) is None  # shown once
    assert reference in client.get("/cases/mine").text

    # Change the status.
    with office.factory() as session:
        in_progress = session.scalar(select(CaseStatus.id).join(CaseType).where(CaseType.key == "foi",
                                                                               CaseStatus.key == "in_progress"))
    page = _act(client, check_page, path, "status", {"status": str(in_progress)})
    assert banner(page) == "Status changed to In progress"

    # Add a note and email the requester.
    page = _act(client, check_page, path, "notes", {"note": "Asked Transport for the files.", "visibility": "internal"})
    assert banner(page) == "Note added" and "Asked Transport for the files." in page
    page = _act(client, check_page, path, "email", {"subject": "Your request", "body": "We are working on it."})
    assert banner(page) == "Email to sam@example.com is being sent"
    with office.factory() as session:
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.related_id == reference)).all()
    assert [(m.to_address, m.subject, m.body_text) for m in sent] == [
        ("sam@example.com", f"Your request [{reference}]", "We are working on it.")]
    assert "Emailed the requester: Your request" in page

    # Complete the tasks; closing is refused until they are done.
    with office.factory() as session:
        case_id = get_case(office.factory, reference).id
        task_ids = list(session.scalars(select(Task.id).where(Task.case_id == case_id)))
    assert len(task_ids) == 2
    for task_id in task_ids:
        page = _act(client, check_page, path, f"tasks/{task_id}", {"outcome": "done"})
        assert banner(page).startswith("Task completed: ")  # type: ignore[union-attr]

    # Close with an outcome and exemptions on the close page.
    close_page = client.get(f"{path}/close")
    check_page(close_page, title="What was the outcome?")
    assert 'name="exemptions" type="checkbox" value="s40"' in close_page.text
    closed = client.post(f"{path}/close", data={**form_fields(close_page.text, f"{path}/close"),
                                                "outcome": "granted_in_part", "exemptions": ["s40", "s43"]},
                         follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"] == path
    page = client.get(path)
    check_page(page, title=reference)
    assert banner(page.text) == "Case closed: Granted in part"
    assert "s.40 Personal information" in page.text and "s.43 Commercial interests" in page.text
    case = get_case(office.factory, reference)
    assert case.outcome == "granted_in_part" and case.exemptions == ["s40", "s43"] and case.closed_at is not None

    # The timeline tells the story, newest first.
    timeline = page.text[page.text.index(">Timeline<"):]
    summaries = re.findall(r'govuk-!-font-weight-bold govuk-!-margin-bottom-1">(.*?)</p>', timeline)
    assert summaries[0].startswith("Closed: Granted in part")
    assert summaries[-1].startswith("Freedom of Information request received by email")
    assert [s.split(":")[0] for s in summaries[1:-1]] == [
        "Task completed", "Task completed", "Emailed the requester", "Note added (internal)",
        "Status changed from New to In progress", "Claimed by Caseworker"]
    with office.factory() as session:
        assert session.scalar(select(CaseNote.body).where(CaseNote.case_id == case.id)) == "Asked Transport for the files."


def _act(client, check_page, path: str, action: str, data: dict[str, str]) -> str:
    """Send one of the case page's forms and follow the redirect back to the case page."""
    form = form_fields(client.get(path).text, f"{path}/{action}")
    response = client.post(f"{path}/{action}", data={**form, **data}, follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    assert response.headers["location"] == path
    page = client.get(path)
    check_page(page)
    return str(page.text)
