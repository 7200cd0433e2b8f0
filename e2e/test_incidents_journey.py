"""Incidents in a real browser, as a manager, at 320 and 1280 px: a P2 raised by keyboard alone (a service
and a priority picked in their radios, its definition beside it), a public update posted and seen on the
public status page, and the incident resolved and closed; a P1 whose close is refused, with the error summary first, until its major
outage report is written; and the planned maintenance page. Every page goes through ``check_page`` (axe
WCAG 2.2 AA, reflow at 320 px, console and CSP). One signed-in browser context per width for the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import WIDTHS
from e2e.harness import check_page, focused, visit
from e2e.harness.checks import PageState, attach, state_of
from e2e.harness.report import Report
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
MANAGER = "manager@example.gov.uk"
BO = "/backoffice"
INCIDENTS = f"{BO}/incidents"


@pytest.fixture(scope="module")
def _pages(live_server: LiveServer | None, browser: Browser) -> Iterator[dict[int, Page]]:
    """Pages kept for the module; they ask for the browser so that it is closed after them."""
    if live_server is None:
        pytest.skip("raises incidents: needs the harness's own server")
    pages: dict[int, Page] = {}
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.fixture
def manager(_pages: dict[int, Page], browser: Browser, base_url: str, report: Report, width: int,
            request: pytest.FixtureRequest) -> Page:
    """The manager's page at this width, signed in through the real form the first time."""
    page = _pages.get(width)
    if page is None:
        context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Europe/London",
                                      **WIDTHS[width])
        context.set_default_timeout(10_000)
        page = attach(context.new_page(), PageState(width=width, test=request.node.name, report=report))
        visit(page, f"{BO}/sign-in")
        page.get_by_label("Email address").fill(MANAGER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        _go(page, page.get_by_role("button", name="Sign in").click)
        expect(page.get_by_role("button", name="Sign out").first).to_be_attached()
        _pages[width] = page
    state_of(page).test = request.node.name
    return page


def _go(page: Page, click: Callable[[], None], name: str | None = None) -> None:
    with page.expect_navigation():
        click()
    check_page(page, name)


def _tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until ``selector`` has focus; every stop on the way must be visible with a focus indicator."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => !document.activeElement || document.activeElement === document.body"):
            continue
        stop = focused(page)
        assert stop is not None, f"nothing focused tabbing to {selector}"
        if stop.classes in ("govuk-radios__input", "govuk-checkboxes__input"):
            # GOV.UK draws a radio's or a checkbox's focus ring on its label: the input itself is transparent.
            assert stop.in_viewport and stop.focus_visible, f"focus not visible tabbing to {selector}: {stop}"
        else:
            assert stop.visible and stop.indicator, f"focus not visible tabbing to {selector}: {stop}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the keyboard on {page.url}")


def _raise(page: Page, service: str, priority: str, title: str) -> str:
    """Raise an incident with the mouse; its reference."""
    visit(page, f"{INCIDENTS}/new")
    page.get_by_label(service, exact=True).check()
    page.get_by_label(priority, exact=True).check()
    page.get_by_label("Title", exact=True).fill(title)
    _go(page, page.get_by_role("button", name="Raise the incident").click, f"Raised: {title}")
    expect(page.locator("h1")).to_contain_text(title)
    return page.locator("h1").inner_text().split(":")[0]


def test_a_manager_raises_a_p2_by_keyboard_updates_the_public_and_resolves_it(manager: Page, width: int) -> None:
    page = manager
    title = f"Downloads slow at {width}px"
    visit(page, INCIDENTS)
    expect(page.locator("h1")).to_have_text("Incidents")
    _go(page, page.get_by_role("button", name="Raise an incident").click, "Raise an incident")
    expect(page.get_by_text("Significant degradation or failure of a part")).to_be_visible()

    # By keyboard alone: the first service (Space), P2 (Down from P1), the title, then Enter on the button.
    _tab_to(page, "input[name=service]")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=priority]")
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=priority]:checked").input_value() == "P2"
    _tab_to(page, "#title")
    page.keyboard.type(title)
    _tab_to(page, "#affected")
    page.keyboard.type("Files take over a minute to start")
    _tab_to(page, "main form button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "The P2, raised by keyboard")
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("raised")
    expect(page.locator(".govuk-summary-list")).to_contain_text("The P2 resolve target under Plus")
    reference = page.locator("h1").inner_text().split(":")[0]

    # A public update, which is also the response.
    page.locator("#update-text").fill("We know downloads are slow and are working on it.")
    page.locator("#update-visibility").check()
    page.get_by_label("Identified", exact=True).check()
    _go(page, page.get_by_role("button", name="Post the update").click, "Public update posted")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Public update posted")
    expect(page.locator("#timeline + ol")).to_contain_text("We know downloads are slow")
    expect(page.locator("#timeline + ol .govuk-tag--blue").first).to_have_text("Public")

    # The public sees it on the request forms' status page (the first service), with the public update.
    visit(page, "/capture/status", name="The status page with the public update")
    expect(page.locator("main")).to_contain_text(title)
    expect(page.locator("main")).to_contain_text("We know downloads are slow and are working on it.")
    visit(page, f"{INCIDENTS}/{reference}", name="Back to the incident")

    # Resolved, then closed.
    page.locator("#resolve-text").fill("A cache was cleared.")
    _go(page, page.get_by_role("button", name="Resolve the incident").click, "Resolved")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Resolved at")
    _go(page, page.get_by_role("button", name="Close the incident").click, "Closed")
    expect(page.locator(".govuk-inset-text")).to_contain_text("This incident is closed")

    visit(page, INCIDENTS, name="The list, with it closed")
    expect(page.locator("#closed-incidents")).to_contain_text(reference)


def test_a_p1_refuses_to_close_without_its_report_then_closes(manager: Page, width: int) -> None:
    page = manager
    reference = _raise(page, "Request forms", "P1", f"No forms can be sent at {width}px")
    _go(page, page.get_by_role("button", name="Resolve the incident").click, "P1 resolved")
    _go(page, page.get_by_role("button", name="Close the incident").click, "P1 close refused")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("write its major outage report before closing it")
    assert page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")
    expect(page.locator("h1")).to_contain_text(reference)

    _go(page, page.get_by_role("link", name="major outage report", exact=True).click, "The major outage report")
    expect(page.locator("h1")).to_have_text("Major outage report")
    page.get_by_label("Timeline").fill("09:00 the forms stopped; 09:40 they worked again.")
    _go(page, page.get_by_role("button", name="Save the report").click, "The report, incomplete")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the impact")
    page.get_by_label("Impact").fill("Nobody could send a request for 40 minutes.")
    page.get_by_label("Cause").fill("A certificate expired.")
    page.get_by_label("What was done").fill("The certificate was renewed.")
    page.get_by_label("What will change").fill("Certificates renew themselves, with an alert 30 days ahead.")
    _go(page, page.get_by_role("button", name="Save the report").click, "The report saved")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Major outage report saved")
    _go(page, page.get_by_role("button", name="Close the incident").click, "P1 closed")
    expect(page.locator(".govuk-inset-text")).to_contain_text("This incident is closed")


def test_the_maintenance_page(manager: Page) -> None:
    visit(manager, f"{INCIDENTS}/maintenance", name="Planned maintenance")
    expect(manager.locator("h1")).to_have_text("Planned maintenance")
    _go(manager, manager.get_by_role("button", name="Schedule the maintenance").click, "Maintenance, nothing filled")
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter the start")


def test_service_performance_and_its_incidents(manager: Page) -> None:
    visit(manager, f"{INCIDENTS}/performance", name="Service performance")
    expect(manager.locator("h1")).to_have_text("Service performance")
    expect(manager.locator("main")).to_contain_text("Availability")
    # The P2 and P1 journeys above (earlier in this module) resolved incidents: follow the first count.
    counts = manager.locator("main table a.govuk-link")
    expect(counts.first).to_be_visible()
    _go(manager, counts.first.click, "The incidents behind a count")
    expect(manager.locator("h1")).to_contain_text("resolved in the last 12 months")
