"""Published answers offered while a requester writes an FOI request, in a real browser: with JavaScript
below the text box as they type, without it as a page of its own; axe and the page checks on each.

The responses are published straight into the live server's database (as publishing leaves them) and its
own worker indexes them, as it would on a real install. Their words (allotments) are no other journey's.
"""

from __future__ import annotations

import itertools
import time
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import sessionmaker

import backoffice.plugin  # noqa: F401 (wires the case events a new case publishes, as every process does)
from e2e.harness import check_page, press_continue, visit
from e2e.harness.server import LiveServer
from shared.db import make_engine, transaction
from shared.settings import load_settings
from tests.backoffice.disclosures.published import published
from tests.factories import Office

pytestmark = pytest.mark.e2e
_people = itertools.count(1)
TITLE = "Allotment waiting list by site"


@pytest.fixture(scope="module")
def allotments(live_server: LiveServer | None, base_url: str) -> str:
    """A published response about allotments, searchable once the server's worker has indexed it."""
    if live_server is None:
        pytest.skip("publishes into the harness's own database")
    settings = load_settings(live_server.env())
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with transaction(factory) as session:
        office = Office(factory, {}, {}, {}, session)
        publication = published(office, TITLE, summary="How many people wait for an allotment at each site.")
        reference = publication.reference
    engine.dispose()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base_url}/capture/request/foi/suggestions?q=allotment+waiting") as response:
            if reference.encode() in response.read():
                return reference
        time.sleep(0.2)
    raise AssertionError("the server's worker did not index the published response within 20 s")


def _start_foi(page: Page) -> None:
    visit(page, "/capture/request/foi/name")
    page.get_by_label("What is your full name?", exact=True).fill("Pat Allen")
    press_continue(page)
    page.get_by_label("What is your email address?", exact=True).fill(f"pat{next(_people)}@example.com")
    press_continue(page)


def test_suggestions_appear_as_the_requester_types(page: Page, allotments: str) -> None:
    _start_foi(page)
    box = page.get_by_label("What information do you want?", exact=True)
    box.press_sequentially("How long is the allotment waiting list?", delay=20)
    region = page.locator("[aria-live=polite][data-results]")
    expect(region.get_by_role("link", name=TITLE)).to_be_visible()
    check_page(page, "/capture/request/foi/information (suggestions shown)")
    # The answers were shown here, so the page of its own is not shown again.
    press_continue(page)
    expect(page.get_by_role("heading", name="How would you like to receive the information?")).to_be_visible()
    # The page of its own (what a requester without JavaScript, or one quicker than the script, is shown).
    visit(page, "/capture/request/foi/published-answers")
    expect(page.get_by_role("button", name="Read this answer")).to_have_count(1)


def test_without_javascript_the_answers_are_a_page_of_their_own(browser: Browser, base_url: str,
                                                                allotments: str) -> None:
    """Axe needs JavaScript, so this journey checks what it can without it; the page's axe check is above."""
    context = browser.new_context(base_url=base_url, locale="en-GB", java_script_enabled=False,
                                  viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()

        def answer(label: str, text: str) -> None:
            page.get_by_label(label, exact=True).fill(text)
            with page.expect_navigation():
                page.get_by_role("button", name="Continue", exact=True).click()

        page.goto("/capture/request/foi/name")
        answer("What is your full name?", "Pat Allen")
        answer("What is your email address?", f"pat{next(_people)}@example.com")
        answer("What information do you want?", "Allotment waiting times")
        expect(page.get_by_role("heading", name="Published answers that may help")).to_be_visible()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Read this answer").first.click()
        assert page.url.endswith("/" + allotments), page.url
        page.go_back()
        with page.expect_navigation():
            page.get_by_role("button", name="None of these answer my question: continue").click()
        expect(page.get_by_role("heading", name="How would you like to receive the information?")).to_be_visible()
    finally:
        context.close()
