"""Secure Share in a real browser: a requester confirms the email, downloads, signs out and in, removes.

The share is sent through the core by the harness (``e2e.harness.shares``) as the staff pages will send
it. The journey runs at 320 px (a phone) and at 1280 px, every page through ``check_page`` (axe WCAG 2.2
AA, reflow, console and CSP); one journey uses the keyboard alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, visit
from e2e.harness.server import LiveServer
from e2e.harness.shares import send_share

pytestmark = pytest.mark.e2e

FILES = {"response-letter.txt": "Dear Sam, here is our response.", "your-records.txt": "Your records, as we hold them."}


@pytest.fixture
def share(live_server: LiveServer | None, request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """(email, case reference, link path) of a share just sent to a new requester."""
    if live_server is None:
        pytest.skip("needs the harness's own server to send a share")
    email = f"e2e-share-{os.getpid()}-{abs(hash(request.node.name)) % 10**6}@example.com"
    reference, token = send_share(live_server, email, FILES)
    yield email, reference, f"/secure-share/s/{token}"


def _confirm(page: Page, email: str) -> None:
    page.get_by_label("Confirm your email address").fill(email)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    check_page(page)
    expect(page.locator("h1")).to_have_text("Your documents")


def test_requester_downloads_signs_out_signs_in_and_removes(page: Page, share: tuple[str, str, str]) -> None:
    email, reference, link = share
    visit(page, link)
    expect(page.locator("h1")).to_have_text("Confirm your email address")

    page.get_by_label("Confirm your email address").fill("someone.else@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    check_page(page, "wrong email address")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the email address the documents were sent to")

    _confirm(page, email)
    expect(page.locator(".govuk-inset-text")).to_contain_text("You have 30 days left to download your documents.")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Any documents you’ve downloaded will stay on your device.")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^response-letter.txt")).click()
    assert download.value.suggested_filename == "response-letter.txt"
    assert Path(download.value.path()).read_text(encoding="utf-8") == FILES["response-letter.txt"] + "\n"

    with page.expect_navigation():
        page.get_by_role("link", name="Access and download history").click()
    check_page(page)
    table = page.locator("table")
    expect(table).to_contain_text("Downloaded response-letter.txt")
    expect(table).to_contain_text("Wrong email address entered")
    expect(table).to_contain_text("Signed in")
    with page.expect_navigation():
        page.get_by_role("link", name="Back to your documents").click()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    check_page(page, "signed out")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    response = page.goto(link + "/documents")
    assert response is not None and response.url.endswith(link)  # the old session is over: confirm again
    _confirm(page, email)

    with page.expect_navigation():
        page.get_by_role("link", name="Remove these documents").click()
    check_page(page)
    expect(page.locator("h1")).to_have_text("Are you sure you want to remove these documents?")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove these documents").click()
    check_page(page)
    expect(page.locator(".govuk-panel__title")).to_have_text("Documents removed")
    visit(page, link, status=410, name="no longer available")
    expect(page.locator("h1")).to_have_text("No longer available")
    expect(page.locator("main")).to_contain_text(reference)


def test_unknown_link_is_a_page_not_found(page: Page) -> None:
    visit(page, "/secure-share/s/" + "x" * 43, status=404, name="unknown share link")
    expect(page.locator("h1")).to_have_text("Page not found")


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the keyboard")


def _reload_until(page: Page, text: str, limit: float = 10.0) -> None:
    """The history line is written once the server has sent a download's last byte, which can be a moment
    after the browser has it: a requester would reload, and so does the journey."""
    deadline = time.monotonic() + limit
    while text not in page.locator("table").inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("table")).to_contain_text(text)


def test_requester_journey_by_keyboard_alone(desktop_page: Page, share: tuple[str, str, str]) -> None:
    page = desktop_page
    email, _reference, link = share
    visit(page, link)
    _tab_to(page, "#email")
    page.keyboard.type(email)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)
    expect(page.locator("h1")).to_have_text("Your documents")
    _tab_to(page, "a[href$='/documents/all']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".zip")
    assert Path(download.value.path()).stat().st_size > 0  # waits for the last byte
    _tab_to(page, "a[href$='/history']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)
    _reload_until(page, "Downloaded all documents (ZIP)")
    _tab_to(page, "a.govuk-back-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "button.govuk-button--secondary:not([href])")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
