"""Capture journeys in a real browser: every built-in form at 320 px and 1280 px, one by keyboard alone.

From the start page through the questions, check your answers, the real email (the harness's aiosmtpd
sink) and its link, to the reference on the confirmation panel; axe and the page checks on every page.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, press_continue, visit
from e2e.harness.mail import MailSink
from e2e.harness.server import REPO_ROOT, LiveServer

pytestmark = pytest.mark.e2e
_people = itertools.count(1)

Step = tuple[str, Any]
FORMS: dict[str, tuple[str, list[list[Step]]]] = {
    "foi": ("Freedom of Information request", [
        [("fill", ("What is your full name?", "Sam Jones"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("What information do you want?", "Contracts for road resurfacing let in 2025."))],
        [("check", "By email")],
        [("fill", ("What is your postal address?", ""))],
    ]),
    "eir": ("Environmental Information request", [
        [("fill", ("What is your full name?", "Tom Green"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("What information do you want?", "Nitrogen dioxide readings for the High Street, 2024."))],
        [("check", "A paper copy by post")],
        [("fill", ("What is your postal address?", "1 High Street\nTestshire"))],
    ]),
    "sar": ("Subject access request", [
        [("fill", ("What is your full name?", "Alex Morgan"))],
        [("fill", ("What other names have you been known by?", "Alex Smith"))],
        [("fill", ("Day", "27")), ("fill", ("Month", "3")), ("fill", ("Year", "1985"))],
        [("fill", ("What is your address?", "2 High Street\nTestshire"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("What is your telephone number?", "01632 960 001"))],
        [("fill", ("Describe the information you want", "My council tax records.")),
         ("fill", ("What dates should we search?", "2020 to now"))],
        [("upload", ("Upload evidence of your identity", "passport.txt"))],
        [("check", "Yes")],
        [("fill", ("Their full name", "Jo Morgan")), ("fill", ("Day", "1")), ("fill", ("Month", "2")),
         ("fill", ("Year", "1950")), ("fill", ("How are you related to them, or why are you acting for them?", "Daughter"))],
        [("upload", ("Upload evidence that you can act for them", "authority.txt"))],
    ]),
    "complaint": ("Complaint", [
        [("fill", ("What is your full name?", "Jo Smith"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("Which service is your complaint about?", "Bin collections"))],
        [("fill", ("What happened?", "My recycling was not collected for three weeks."))],
        [("fill", ("What would you like us to do to put things right?", "Collect it."))],
        [("fill", ("Do you have a reference from earlier contact with us?", ""))],
    ]),
    "enquiry": ("General enquiry", [
        [("fill", ("What is your full name?", "Lee Brown"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("What is your question about?", "Parking permits"))],
        [("fill", ("What is your question?", "How do I renew my permit?"))],
    ]),
    "compliment": ("Compliment", [
        [("fill", ("What is your full name?", "Kim Lee"))],
        [("fill", ("What is your email address?", "{email}"))],
        [("fill", ("Who or what is your compliment about?", "The library team"))],
        [("fill", ("What would you like to tell us?", "Very helpful."))],
    ]),
}


@pytest.fixture(scope="module", autouse=True)
def generous_limits(live_server: LiveServer | None) -> None:
    """Every browser here shares 127.0.0.1: raise the deployment's limits the supported way."""
    if live_server is None:
        pytest.skip("needs the harness's own server")
    subprocess.run([sys.executable, "-m", "shared.cli", "capture-limits", "--scale", "100"], cwd=REPO_ROOT,
                   env=live_server.env(), check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evidence")
    for name in ("passport.txt", "authority.txt"):
        (folder / name).write_text(f"{name}: a scanned document\n")
    return folder


def _answer(page: Page, steps: list[Step], email: str, evidence: Path) -> None:
    for action, value in steps:
        if action == "fill":
            label, text = value
            page.get_by_label(label, exact=True).fill(text.format(email=email))
        elif action == "check":
            page.get_by_label(value, exact=True).check()
        elif action == "upload":
            label, name = value
            page.get_by_label(label, exact=True).set_input_files(str(evidence / name))
    press_continue(page)


def _confirm_by_email(page: Page, mailbox: MailSink, email: str) -> str:
    mail = mailbox.wait_for(to=email, subject="Confirm your email address")
    visit(page, mail.link("/capture/confirm?token="))
    expect(page.locator("h1")).to_have_text("Confirm and send your request")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and send your request").click()
    check_page(page)
    expect(page.locator(".govuk-panel__title")).to_have_text("Request sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    ack = mailbox.wait_for(to=email, subject=reference)
    assert reference in ack.text and "We must answer by" in ack.text
    due = re.search(r"We must answer by (\d{1,2} \w+ \d{4})", ack.text)
    assert due and due.group(1) in page.locator("main").inner_text()
    return reference


@pytest.mark.parametrize("type_key", list(FORMS))
def test_built_in_form_journey(page: Page, mailbox: MailSink, evidence: Path, type_key: str) -> None:
    link_text, pages = FORMS[type_key]
    email = f"e2e-{type_key}-{os.getpid()}-{next(_people)}@example.com"
    visit(page, "/capture/")
    with page.expect_navigation():
        page.get_by_role("link", name=link_text, exact=True).click()
    check_page(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    check_page(page)
    for steps in pages:
        _answer(page, steps, email, evidence)
    expect(page.locator("h1")).to_have_text("Check your answers before sending your request")
    change = page.get_by_role("link", name=re.compile(r"^Change\s+your full name$"))
    expect(change).to_have_count(1)
    with page.expect_navigation():
        page.get_by_role("button", name="Send a confirmation email").click()
    check_page(page)
    expect(page.locator("h1")).to_have_text("Check your email")
    reference = _confirm_by_email(page, mailbox, email)
    assert re.fullmatch(r"[A-Z]{2,10}-\d{4}-\d{5}", reference)
    with page.expect_navigation():
        page.get_by_role("link", name="What did you think of this service?").click()
    check_page(page)


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the keyboard")


def _keyboard_submit(page: Page, button: str = "button.govuk-button[type=submit], button.govuk-button:not([type])") -> None:
    _tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)


def test_foi_journey_by_keyboard_alone(desktop_page: Page, mailbox: MailSink) -> None:
    page = desktop_page
    email = f"e2e-keyboard-{os.getpid()}@example.com"
    visit(page, "/capture/")
    _tab_to(page, "a[href='/capture/request/foi']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)
    _tab_to(page, "a.govuk-button--start")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page)
    for field, text in (("#name", "Sam Keyboard"), ("#email", email), ("#information", "Minutes of the 2025 budget meetings.")):
        _tab_to(page, field)
        page.keyboard.type(text)
        _keyboard_submit(page)
    _tab_to(page, "input[name=format]")
    page.keyboard.press("Space")
    expect(page.get_by_label("By email", exact=True)).to_be_checked()
    _keyboard_submit(page)
    _keyboard_submit(page)  # the postal address is optional
    expect(page.locator("h1")).to_have_text("Check your answers before sending your request")
    _keyboard_submit(page)
    expect(page.locator("h1")).to_have_text("Check your email")
    mail = mailbox.wait_for(to=email, subject="Confirm your email address")
    visit(page, mail.link("/capture/confirm?token="))
    _keyboard_submit(page)
    expect(page.locator(".govuk-panel__title")).to_have_text("Request sent")


def test_errors_are_summarised_and_linked_to_their_fields(page: Page) -> None:
    visit(page, "/capture/request/sar/date_of_birth")
    page.get_by_label("Day", exact=True).fill("31")
    page.get_by_label("Month", exact=True).fill("2")
    page.get_by_label("Year", exact=True).fill("1990")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    check_page(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Your date of birth must be a real date").click()
    expect(page.get_by_label("Day", exact=True)).to_be_focused()
