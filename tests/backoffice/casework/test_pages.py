"""Who reaches which case-work page: each page renders for the roles that may see it, refuses the others
(the 403 page, or the sign-in page for strangers), and never says whether a hidden case exists."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from backoffice.cases.models import Case, CaseAttachment
from backoffice.casework.web.routes import casework_routes
from shared.files.models import StoredFile
from tests.backoffice.casework.conftest import WHO, Office
from tests.backoffice.casework.helpers import get_case, submit

LISTS = {"/cases": "All open cases", "/cases/mine": "My cases", "/cases/team": "Team queue"}
FORBIDDEN = "You do not have permission to see this page"


def test_every_route_needs_a_signed_in_member_of_staff() -> None:
    policies = {route.name: route.access.name for route in casework_routes()}  # type: ignore[attr-defined]
    assert policies["all-cases"] == policies["case"] == "staff:any"
    assert policies["new-case"] == policies["case-close"] == "staff:caseworker,manager,administrator"
    assert policies["case-assign"] == policies["case-reopen"] == "staff:manager,administrator"


def test_strangers_are_sent_to_sign_in(office: Office, stranger, check_page) -> None:
    reference = office.new_reference()
    client = stranger
    for path in [*LISTS, "/cases/new", f"/cases/{reference}", f"/cases/{reference}/close"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        location = urlsplit(response.headers["location"])
        assert location.path == "/sign-in" and parse_qs(location.query) == {"next": [path]}
    check_page(client.get("/"), title="Case management for Testshire Council staff")


def test_start_page_sends_staff_to_their_cases(browser) -> None:
    response = browser("read-only").get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/cases/mine"


def test_lists_render_for_every_role(office: Office, browser, check_page) -> None:
    office.new_reference()
    for who in WHO:
        client = browser(who)
        for path, title in LISTS.items():
            check_page(client.get(path), title=title)
        team = client.get("/cases/team").text
        if who == "read-only":
            assert 'aria-label="Claim ' not in team and ">1 case<" in team
        elif who == "outsider":
            assert ">0 cases<" in team
        else:
            assert 'aria-label="Claim ' in team, who


def test_navigation_follows_the_role(browser, check_page) -> None:
    caseworker = browser("caseworker").get("/cases/mine").text
    assert 'href="/cases/new"' in caseworker and 'href="/cases/team"' in caseworker
    reader = browser("read-only").get("/cases/mine").text
    assert 'href="/cases/new"' not in reader and 'href="/cases"' in reader


def test_new_case_page_is_for_caseworkers_and_above(browser, check_page) -> None:
    for who in ("administrator", "manager", "caseworker"):
        check_page(browser(who).get("/cases/new"), title="Log a new case")
    check_page(browser("read-only").get("/cases/new"), status=403, title=FORBIDDEN)


def test_case_page_for_each_role(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    path = f"/cases/{reference}"
    offered = {}
    for who in ("administrator", "manager", "caseworker", "read-only"):
        response = browser(who).get(path)
        check_page(response, title=reference)
        text = response.text
        offered[who] = {form for form in ("claim", "assign", "status", "notes", "email", "links", "watch", "tasks")
                        if f'action="{path}/{form}"' in text}
    assert offered["read-only"] == set()
    assert offered["caseworker"] == {"claim", "status", "notes", "email", "links", "watch", "tasks"}
    assert offered["manager"] == offered["caseworker"] | {"assign"}


def test_a_hidden_case_and_a_missing_one_get_the_same_403_page(office: Office, browser,
                                                               check_page) -> None:
    reference = office.new_reference()
    outsider = browser("outsider")
    hidden = outsider.get(f"/cases/{reference}")
    missing = outsider.get("/cases/FOI-1999-99999")
    check_page(hidden, status=403, title=FORBIDDEN)
    check_page(missing, status=403, title=FORBIDDEN)
    assert _main(hidden.text) == _main(missing.text)
    assert reference not in hidden.text and "Bus timetables" not in hidden.text
    for suffix in ("/close", "/reopen"):
        check_page(outsider.get(f"/cases/{reference}{suffix}"), status=403, title=FORBIDDEN)
    # Acting on it is refused the same way, with nothing done.
    response = outsider.post(f"/cases/{reference}/claim", data={"csrf_token": _csrf(outsider)})
    check_page(response, status=403, title=FORBIDDEN)
    assert get_case(office.factory, reference).owner_id is None


def test_close_and_reopen_pages_by_role(office: Office, browser, check_page) -> None:
    reference = office.new_reference("enquiry")
    check_page(browser("caseworker").get(f"/cases/{reference}/close"), title="What was the outcome?")
    check_page(browser("read-only").get(f"/cases/{reference}/close"), status=403, title=FORBIDDEN)
    manager = browser("manager")
    response = submit(manager, f"/cases/{reference}/close", f"/cases/{reference}/close", {"outcome": "answered"})
    assert response.status_code == 303
    check_page(manager.get(f"/cases/{reference}/reopen"), title="Why are you reopening the case?")
    check_page(browser("caseworker").get(f"/cases/{reference}/reopen"), status=403, title=FORBIDDEN)
    case_page = browser("caseworker").get(f"/cases/{reference}").text
    assert f"/cases/{reference}/close" not in case_page and f"/cases/{reference}/reopen" not in case_page
    # A closed case has nothing to close: the close page goes back to the case.
    assert manager.get(f"/cases/{reference}/close", follow_redirects=False).headers["location"] == f"/cases/{reference}"


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _csrf(client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/cases/mine").text)
    assert match
    return match.group(1)


def test_attachments_say_whether_they_were_checked_for_viruses(office: Office, browser, check_page) -> None:
    reference = office.new_reference()
    with office.factory() as session, session.begin():
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        for name, status in (("letter.pdf", "clean"), ("scan.jpg", "quarantined")):
            stored = StoredFile(original_name=name, content_type="application/pdf", size=10, sha256="0" * 64,
                                status=status, uploaded_by="tests")
            session.add(stored)
            session.flush()
            session.add(CaseAttachment(case_id=case_id, file_id=stored.id, description="From the requester",
                                       added_by="tests"))
    page = browser("read-only").get(f"/cases/{reference}")
    check_page(page)
    attachments = page.text[page.text.index(">Attachments<"):page.text.index(">Timeline<")]
    assert re.search(r"letter\.pdf.*?Ready", attachments, re.S)
    assert re.search(r"scan\.jpg.*?Checking for viruses", attachments, re.S)


def test_undelivered_email_is_shown_on_its_case(office: Office, browser, check_page) -> None:
    from shared.mail import send_email
    from shared.mail.models import OutboxMessage

    reference = office.new_reference()
    with office.factory() as session, session.begin():
        message = send_email(session, "gone@example.com", "Your request <b>", "Body", related_type="case",
                             related_id=reference)
        session.flush()
        row = session.get(OutboxMessage, message.id)
        assert row is not None
        row.status, row.last_error = "undelivered", "550 No such user"
    page = browser("caseworker").get(f"/cases/{reference}")
    check_page(page)
    assert "1 email about this case could not be delivered" in page.text
    assert f'href="/cases/{reference}/targets"' in page.text
    assert "gone@example.com" in page.text and "550 No such user" in page.text and "&lt;b&gt;" in page.text
