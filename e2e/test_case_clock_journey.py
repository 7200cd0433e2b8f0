"""The completion target in a real browser: a caseworker logs a FOI request, stops the clock while waiting
for clarification and restarts it; a manager extends the deadline for the public interest test. After each
change the case page's explanation of the due date says what happened.

Runs at 320 px and 1280 px (the ``page`` fixture); every page reached goes through ``check_page`` (axe WCAG
2.2 AA with zero violations, reflow at 320 px, no console or CSP errors).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, visit
from e2e.harness.checks import state_of
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
BO = "/backoffice"


@pytest.fixture(scope="module", autouse=True)
def own_server(live_server: LiveServer | None) -> None:
    """The journey signs in with the demo accounts and changes a case: it needs the harness's own server."""
    if live_server is None:
        pytest.skip("the clock journey signs in with the demo accounts and changes a case: needs the harness's server")


def sign_in(page: Page, email: str) -> None:
    visit(page, f"{BO}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    check_page(page)
    expect(page.get_by_role("button", name="Sign out").first).to_be_attached()


def click_and_check(page: Page, role: str, name: str, title: str | None = None) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]
    if title is not None:
        expect(page).to_have_title(re.compile("^" + re.escape(title)))
    check_page(page, title)


def summary(page: Page, key: str) -> str:
    row = page.locator("#completion-target + .govuk-summary-list .govuk-summary-list__row",
                       has=page.locator("dt", has_text=re.compile(f"^\\s*{key}\\s*$")))
    return " ".join(row.locator("dd").inner_text().split())


def banner(page: Page) -> str:
    return page.locator(".govuk-notification-banner__heading").inner_text().strip()


def explanation(page: Page) -> str:
    """Open "How the due date was worked out" as a person would, and read it."""
    details = page.locator("#due-date-explanation")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    text = details.locator(".govuk-details__text")
    expect(text).to_be_visible()
    return " ".join(text.inner_text().split())


def london_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def log_foi_request(page: Page, subject: str) -> str:
    """Log a new FOI request received a week ago, claim it, and return its reference."""
    visit(page, f"{BO}/cases/new")
    received = london_today() - dt.timedelta(days=7)
    page.get_by_label("Freedom of Information request").check()
    page.locator("#received_on-day").fill(str(received.day))
    page.locator("#received_on-month").fill(str(received.month))
    page.locator("#received_on-year").fill(str(received.year))
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Full name").fill("Robin Clock")
    page.get_by_label("Email address", exact=True).fill("robin.clock@example.com")
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("What did they ask for?").fill("Every report on pothole repairs since 2024.")
    click_and_check(page, "button", "Create case")
    reference = page.locator("h1").inner_text().strip()
    assert re.fullmatch(r"FOI-\d{4}-\d{5}", reference), reference
    # Claimed at once, so the staff journeys never pick it from the team queue.
    click_and_check(page, "button", "Claim this case", reference)
    assert banner(page) == "You have claimed this case"
    return reference


def test_caseworker_stops_and_restarts_the_clock_and_a_manager_extends_it(
    page: Page, open_page: Callable[..., Page]
) -> None:
    width = state_of(page).width
    today = london_today()
    on = f"{today.day} {today:%B %Y}"
    sign_in(page, "caseworker@example.gov.uk")
    reference = log_foi_request(page, f"Pothole repairs ({width} px)")
    case_path = f"{BO}/cases/{reference}"

    assert summary(page, "Clock") == "Running" and summary(page, "Extension") == "Not extended"
    first = explanation(page)
    assert "20 working days" in first
    check_page(page, f"{reference} explanation open")
    # Extending is for managers by default: a caseworker is not offered it.
    expect(page.get_by_role("button", name="Extend the deadline")).to_have_count(0)

    # Stop the clock while the requester clarifies.
    click_and_check(page, "button", "Stop the clock", "Why is the clock stopping?")
    expect(page.get_by_label("Waiting for identity evidence")).to_have_count(0)  # FOI has no identity check
    page.get_by_label("Waiting for clarification").check()
    expect(page.locator("#on-day")).to_have_value(str(today.day))  # today unless changed
    page.get_by_label("Note (optional)").fill("Asked which roads they mean.")
    click_and_check(page, "button", "Stop the clock", reference)
    assert banner(page) == "Clock stopped: waiting for clarification (the clock is stopped)"
    assert summary(page, "Clock") == f"Stopped since {on}: waiting for clarification"
    assert summary(page, "Due").startswith("Not set: the clock is stopped")
    stopped = explanation(page)
    assert stopped != first and "Clock stopped since" in stopped and "clarification requested" in stopped
    expect(page.locator("main")).to_contain_text("Clock stopped: clarification requested")  # the timeline

    # Restart it when they answer.
    click_and_check(page, "button", "Restart the clock", "Restart the clock")
    expect(page.get_by_text("When did the requester clarify the request?")).to_be_visible()
    click_and_check(page, "button", "Restart the clock", reference)
    assert banner(page).startswith("Clock restarted: the case is now due on ")
    assert summary(page, "Clock") == "Running"
    restarted = explanation(page)
    assert restarted not in (first, stopped) and "the date of receipt becomes" in restarted
    expect(page.locator("main")).to_contain_text("Clock restarted: clarification received")

    # A manager extends it for the public interest test.
    manager = open_page(width)
    sign_in(manager, "manager@example.gov.uk")
    visit(manager, case_path)
    click_and_check(manager, "button", "Extend the deadline", "Extend the deadline")
    expect(manager.locator("main")).to_contain_text("The deadline moves by 20 further working days")
    preview = manager.locator(".govuk-inset-text").inner_text()
    new_due = re.search(r"will be due on (.+)\.$", preview.strip())
    assert new_due, preview
    click_and_check(manager, "button", "Extend the deadline", "Error: Extend the deadline")  # no reason given
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter the reason")
    manager.get_by_label("Why does the case need more time?").fill("Public interest test for section 43.")
    click_and_check(manager, "button", "Extend the deadline", reference)
    assert banner(manager) == f"Deadline extended: the case is now due on {new_due.group(1)}"
    assert summary(manager, "Extension") == "Extended"
    assert summary(manager, "Due").startswith(new_due.group(1))
    expect(manager.get_by_role("button", name="Extend the deadline")).to_have_count(0)  # once only

    # The caseworker sees the extension explained.
    visit(page, case_path)
    extended = explanation(page)
    assert extended != restarted and "20 further working days" in extended
    assert "Public interest test for section 43." in extended
