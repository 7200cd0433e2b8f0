"""The Disclosure Log from end to end, in a real browser: a caseworker publishes a closed FOI case's response
with a PDF; a member of the public on a phone searches a word found only on page 3 of that PDF, filters by
outcome, follows the hit to page 3, opens the response and reads the Atom feed of the search; the same
search, filter and hit by keyboard alone; the caseworker withdraws it and its page answers 410 Gone with the reason.

The closed case and its clean PDF attachment are made by the harness in the server's database (closing a
case and ClamAV are other journeys'); publishing, searching and withdrawing go through the pages, and the
server's own worker indexes. Every page goes through ``check_page`` (axe WCAG 2.2 AA, reflow at 320 px,
console and CSP). No step needs JavaScript: each is a link or a plain GET or POST form.
"""

from __future__ import annotations

import io
import re
import time

import feedparser
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import backoffice.plugin  # noqa: F401 (wires the case events, as every process does)
from backoffice.cases import tasks, workflow
from backoffice.cases.models import CaseAttachment
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.accounts import StaffUser
from e2e.harness import check_page, visit
from e2e.harness.server import LiveServer
from shared import audit
from shared.db import make_engine, transaction
from shared.files import ANY_SUPPORTED, CLEAN, StoredFile, store_upload
from shared.settings import load_settings
from tests.pdfs import make_pdf

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
MANAGER = "manager@example.gov.uk"
BO = "/backoffice"
WORD = "saltbarns"  # on page 3 of the PDF only, and in no other journey's text
TITLE = "Winter gritting routes and depots"
INDEX_WAIT = 20.0


@pytest.fixture(scope="module")
def closed_case(live_server: LiveServer | None) -> str:
    """A closed FOI case with a clean three-page PDF attachment; its reference."""
    if live_server is None:
        pytest.skip("makes its case in the harness's own database")
    settings = load_settings(live_server.env())
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    pdf = make_pdf(["Gritting policy 2025", "Routes by priority", f"The {WORD} at Northfield and Eastgate depots"])
    with transaction(factory) as session:
        manager = session.scalars(select(StaffUser).where(StaffUser.email == MANAGER)).one()
        actor = audit.Actor(type="staff", id=str(manager.id), label=manager.email)
        case = create_case(session, audit.SYSTEM, NewCase(
            case_type="foi", subject="Gritting", channel="email", description="Which roads do you grit, and from where?",
            requester=Requester(name="Robin Example", email="robin@example.com")))
        stored = store_upload(session, settings, actor, filename="Appendix B.pdf", stream=io.BytesIO(pdf),
                              allowed=ANY_SUPPORTED)
        session.flush()
        attachment = CaseAttachment(case_id=case.id, file_id=stored.id, added_by=manager.name)
        session.add(attachment)
        found = session.get(StoredFile, stored.id)
        assert found is not None
        found.status = CLEAN  # as the worker's scan leaves it (ClamAV is the Secure Share journey's)
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, actor, manager, case, task.id, tasks.DONE)
        workflow.close(session, actor, manager, case, outcome="granted_in_full", exemptions=())
        reference = case.reference
    engine.dispose()
    return reference


def _go(page: Page, click: object, name: str | None = None) -> None:
    with page.expect_navigation():
        click()  # type: ignore[operator]
    check_page(page, name)


def _sign_in(page: Page) -> None:
    visit(page, f"{BO}/sign-in")
    page.get_by_label("Email address").fill(MANAGER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _go(page, page.get_by_role("button", name="Sign in").click)


def _publish(page: Page, reference: str) -> None:
    visit(page, f"{BO}/cases/{reference}")
    _go(page, page.get_by_role("link", name="Publish to the disclosure log").click)
    page.get_by_label("Public title").fill(TITLE)
    page.get_by_label("Summary of the response").fill("We listed the gritting routes and the depots they start from.")
    expect(page.get_by_label("The request, as it will be published")).to_have_value(
        "Which roads do you grit, and from where?")
    page.get_by_role("checkbox", name="Appendix B.pdf").check()
    _go(page, page.get_by_role("button", name="Save and check for personal data").click, "publication saved")
    expect(page.locator("#check")).to_have_count(0)  # nothing personal in it
    _go(page, page.get_by_role("button", name="Publish").click, "published")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Published to the disclosure log")


def _search_until_found(page: Page) -> None:
    deadline = time.monotonic() + INDEX_WAIT
    while True:
        visit(page, f"/disclosure-log/search?q={WORD}", name="search results")
        if page.get_by_role("link", name=TITLE).count():
            return
        assert time.monotonic() < deadline, f"the worker did not index the response within {INDEX_WAIT:.0f} s"
        time.sleep(0.5)


def _member_of_the_public(page: Page, reference: str) -> None:
    visit(page, "/disclosure-log/")
    page.get_by_label("Search the disclosure log").fill(WORD)
    _go(page, page.get_by_role("button", name="Search").click, "searched from the home page")
    _search_until_found(page)
    expect(page.locator("main")).to_contain_text("1 result")
    page.get_by_role("checkbox", name=re.compile(r"^Granted in full")).check()
    _go(page, page.get_by_role("button", name="Apply filters").click, "filtered by outcome")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    found_in = page.get_by_role("link", name="Found in Appendix B.pdf, page 3")
    href = found_in.get_attribute("href") or ""
    assert href.endswith("#page=3"), href
    document = page.request.get(href.split("#")[0])
    assert document.status == 200 and document.headers["content-type"].startswith("application/pdf")
    assert document.body().startswith(b"%PDF")

    atom = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href") or ""
    feed = feedparser.parse(page.request.get(atom).body())
    assert (feed.bozo == 0 and [e.title for e in feed.entries] == [f"{reference}: {TITLE}"]) or \
        any(TITLE in e.title for e in feed.entries), feed.entries

    _go(page, page.get_by_role("link", name=TITLE).click, "the response")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("Appendix B.pdf")


def _tab_to(page: Page, selector: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the keyboard")


def _by_keyboard_alone(page: Page) -> None:
    """Search, filter and open a hit with Tab, Space and Enter only."""
    visit(page, "/disclosure-log/")
    _tab_to(page, "#q")
    page.keyboard.type(WORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "searched by keyboard")
    _tab_to(page, "input[name=outcome][value=granted_in_full]")
    page.keyboard.press("Space")
    _tab_to(page, "form[method=get] button.govuk-button--secondary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "filtered by keyboard")
    assert "outcome=granted_in_full" in page.url, page.url
    _tab_to(page, "main h2 a.govuk-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "a response opened by keyboard")
    expect(page.locator("h1")).to_have_text(TITLE)


def _withdraw(page: Page, reference: str) -> None:
    visit(page, f"{BO}/cases/{reference}/publication")
    _go(page, page.get_by_role("link", name="Withdraw it from the disclosure log").click)
    page.get_by_label("Why is it being withdrawn?").fill("It gave a depot's security details.")
    _go(page, page.get_by_role("button", name="Withdraw it").click, "withdrawn")


def test_publish_search_follow_and_withdraw(desktop_page: Page, mobile_page: Page, closed_case: str) -> None:
    _sign_in(desktop_page)
    _publish(desktop_page, closed_case)
    _member_of_the_public(mobile_page, closed_case)
    _by_keyboard_alone(desktop_page)
    _withdraw(desktop_page, closed_case)
    visit(mobile_page, f"/disclosure-log/responses/{closed_case}", status=410, name="withdrawn response")
    expect(mobile_page.locator("main")).to_contain_text("It gave a depot's security details.")
