"""Retention in a real browser, as a manager, at 320 and 1280 px: the retention page (periods, what is due,
the retention report), and a legal hold placed and lifted on a case page. Every page through
``check_page`` (axe WCAG 2.2 AA, reflow at 320 px, console and CSP).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, visit
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
MANAGER = "manager@example.gov.uk"
BO = "/backoffice"


@pytest.fixture(autouse=True)
def _own_server(live_server: LiveServer | None) -> None:
    if live_server is None:
        pytest.skip("places a legal hold: needs the harness's own server")


def _go(page: Page, click: Callable[[], None], name: str | None = None) -> None:
    with page.expect_navigation():
        click()
    check_page(page, name)


def test_a_manager_reads_retention_and_holds_a_case(page: Page) -> None:
    visit(page, f"{BO}/sign-in")
    page.get_by_label("Email address").fill(MANAGER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    visit(page, f"{BO}/reports", name="Reports, with the retention link")
    _go(page, page.get_by_role("link", name="Retention and the retention report").click, "Retention")
    expect(page.locator("h1")).to_have_text("Retention")
    expect(page.locator("main")).to_contain_text("Retention periods")
    expect(page.locator("main")).to_contain_text("Retention report")

    visit(page, f"{BO}/cases", name="All open cases")
    _go(page, page.locator("main table a.govuk-link").first.click, "A case, with its retention section")
    expect(page.locator("#retention")).to_be_visible()
    page.get_by_label("Place a legal hold").fill("Tribunal appeal EA/2026/0042")
    _go(page, page.get_by_role("button", name="Place legal hold").click, "Legal hold placed")
    expect(page.locator("main")).to_contain_text("Legal hold: Tribunal appeal EA/2026/0042")
    _go(page, page.get_by_role("button", name="Lift the legal hold").click, "Legal hold lifted")
    expect(page.get_by_label("Place a legal hold")).to_be_visible()
