"""Support requests in a real browser, as a caseworker: help articles appear below the details box as they
type (a polite live region, about 300 ms after typing stops), the request is sent and its access key shown,
and the status is checked with the key in a fresh browser that is not signed in. At 320 and 1280 px, every
page through ``check_page`` (axe WCAG 2.2 AA, reflow, console and CSP); one journey by keyboard alone, one
without JavaScript (the "Check the help articles" button shows the same articles).

The help articles are the demo data's (``backoffice/admin/demo.py``), loaded by the harness's server.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.harness import check_page, visit
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
CASEWORKER = "caseworker@example.gov.uk"
BO = "/backoffice"
ARTICLE = "Resetting a colleague's password"


@pytest.fixture(autouse=True)
def _own_server(live_server: LiveServer | None) -> None:
    if live_server is None:
        pytest.skip("raises support requests: needs the harness's own server")


def _sign_in(page: Page) -> None:
    visit(page, f"{BO}/sign-in")
    page.get_by_label("Email address").fill(CASEWORKER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _go(page: Page, click: Callable[[], None], name: str | None = None) -> None:
    with page.expect_navigation():
        click()
    check_page(page, name)


def test_a_caseworker_sees_help_as_they_type_sends_and_checks_with_the_key(
        page: Page, open_page: Callable[..., Page], width: int) -> None:
    _sign_in(page)
    visit(page, f"{BO}/support")
    _go(page, page.get_by_role("button", name="Raise a support request").click)
    page.get_by_label("Problem").check()
    page.get_by_label("Subject").fill("Password")
    page.get_by_label("Details").press_sequentially("A new starter needs their password reset", delay=5)
    suggestions = page.locator("[data-results]")
    expect(suggestions.get_by_role("link", name=ARTICLE)).to_be_visible()
    assert suggestions.get_attribute("aria-live") == "polite"
    check_page(page, "help suggested as they type")
    _go(page, page.get_by_role("button", name="Send request").click, "sent")
    expect(page.locator(".govuk-panel__title")).to_have_text("Support request sent")
    reference = page.locator(".govuk-panel strong").inner_text()
    key = page.locator("code").inner_text()
    assert re.fullmatch(r"SR-\d{5}", reference) and len(key) >= 22
    _go(page, page.get_by_role("link", name="View your request").click)
    expect(page.locator("h1")).to_have_text("Password")

    stranger = open_page(width)  # not signed in
    visit(stranger, f"{BO}/support/check")
    stranger.get_by_label("Reference").fill(reference)
    stranger.get_by_label("Access key").fill("not-the-key")
    _go(stranger, stranger.get_by_role("button", name="Check status").click, "wrong key")
    expect(stranger.locator(".govuk-error-summary")).to_contain_text("do not match")
    stranger.get_by_label("Reference").fill(reference)
    stranger.get_by_label("Access key").fill(key)
    _go(stranger, stranger.get_by_role("button", name="Check status").click, "status")
    expect(stranger.locator("h1")).to_have_text("Password")
    expect(stranger.locator("main")).to_contain_text("Open")


def test_by_keyboard_alone(desktop_page: Page) -> None:
    page = desktop_page
    _sign_in(page)
    visit(page, f"{BO}/support/new")
    page.keyboard.press("Tab")
    for _ in range(60):
        if page.evaluate("document.activeElement && document.activeElement.id") == "kind":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Bank holiday missing")
    page.keyboard.press("Tab")
    page.keyboard.type("The new bank holiday is not in our calendar")
    expect(page.locator("[data-results]").get_by_role("link", name=re.compile("bank holiday"))).to_be_visible()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == "Send request":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "sent by keyboard")
    expect(page.locator(".govuk-panel__title")).to_have_text("Support request sent")


def test_without_javascript_the_button_shows_the_articles(browser: Browser, base_url: str) -> None:
    """Axe needs JavaScript, so this journey checks what it can without it; the pages' axe checks are above."""
    context = browser.new_context(base_url=base_url, locale="en-GB", java_script_enabled=False,
                                  viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{BO}/sign-in")
        page.get_by_label("Email address").fill(CASEWORKER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        page.goto(f"{BO}/support/new")
        page.get_by_label("Details").fill("Exporting the case list fails")
        with page.expect_navigation():
            page.get_by_role("button", name="Check the help articles").click()
        expect(page.get_by_role("link", name="Exporting the case list")).to_be_visible()
        expect(page.get_by_label("Details")).to_have_value("Exporting the case list fails")
    finally:
        context.close()
