"""Secure Share from end to end: a caseworker sends two response documents, the requester downloads and removes them.

The caseworker (1280 px) logs a SAR on the "Log a new case" page for a new requester, uploads two response
documents on "Send documents securely", waits (reloading, bounded) until the harness's clamd has passed
them, chooses them, the days and "This is our response to the request", previews the email and sends it.
The requester follows the link in the email the mail sink received, confirms the address, downloads a
file, signs out, signs in again with the same link, reads the access and download history and removes the
documents. The caseworker's case page then shows the share removed by the requester, its history and the
case's response date. The requester's part runs at 320 px and again at 1280 px (the ``page`` fixture); every
page goes through ``check_page`` (axe WCAG 2.2 AA, reflow, console and CSP). No page needs JavaScript: every
step is a link or a plain form post.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, visit
from e2e.harness.mail import MailSink
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
CASEWORKER = "caseworker@example.gov.uk"
BO = "/backoffice"
LETTER = "response-letter.txt"
RECORDS = "your-records.pdf"
SCAN_WAIT = 30.0  # seconds for the server's worker and clamd to pass both uploads


def _pdf() -> bytes:
    """A real one-page PDF (with a correct cross-reference table), small enough to read in a test."""
    stream = b"BT /F1 12 Tf 72 720 Td (Your records, as we hold them.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


FILES = {LETTER: b"Dear Sam,\n\nHere is our response to your subject access request.\n", RECORDS: _pdf()}


@pytest.fixture(scope="module", autouse=True)
def own_server(live_server: LiveServer | None, clamd_socket: str | None) -> None:
    """The journey signs in with the demo accounts, reads the harness's mail and needs uploads scanned."""
    if live_server is None:
        pytest.skip("needs the harness's own server, mail sink and clamd")
    if clamd_socket is None and not (os.environ.get("CLAMD_SOCKET") or os.environ.get("CLAMD_HOST")):
        pytest.skip("ClamAV is not installed: uploads stay quarantined (sudo apt-get install clamav-daemon)")


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    paths = []
    for name, data in FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _click_to_page(page: Page, locator_click: Callable[[], None], name: str | None = None) -> None:
    with page.expect_navigation():
        locator_click()
    check_page(page, name)


def _sign_in(page: Page) -> None:
    visit(page, f"{BO}/sign-in")
    page.get_by_label("Email address").fill(CASEWORKER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _click_to_page(page, page.get_by_role("button", name="Sign in").click)
    expect(page.get_by_role("button", name="Sign out").first).to_be_attached()


def _log_a_sar(page: Page, email: str) -> str:
    """The staff "Log a new case" page: a SAR received by email today; the case's reference."""
    visit(page, f"{BO}/cases/new")
    page.get_by_label("Subject access request", exact=True).check()
    today = datetime.now(ZoneInfo("Europe/London")).date()
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        page.get_by_label(part, exact=True).fill(str(value))
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Full name", exact=True).fill("Sam Browser")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Subject", exact=True).fill("My records")
    page.get_by_label("What did they ask for?").fill("Everything you hold about me.")
    _click_to_page(page, page.get_by_role("button", name="Create case").click)
    reference = page.locator("h1").inner_text().strip()
    assert re.fullmatch(r"SAR-[\w-]+", reference), f"not on the new case's page: {page.url} ({reference!r})"
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {reference} created")
    return reference


def _send_documents(page: Page, mailbox: MailSink, reference: str, documents: list[Path], email: str) -> str:
    """Upload, wait for the virus scan, choose, preview and send; the link in the requester's email."""
    send_url = f"{BO}/cases/{reference}/send-documents"
    _click_to_page(page, page.get_by_role("button", name="Send documents securely").click)
    assert page.url.endswith(send_url), page.url
    expect(page.locator("h1")).to_have_text("Send documents securely")
    expect(page.locator("#recipient")).to_contain_text(email)

    page.get_by_label("Documents", exact=True).set_input_files([str(p) for p in documents])
    _click_to_page(page, page.get_by_role("button", name="Upload documents").click, "documents uploaded")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 documents uploaded")

    # The server's worker asks clamd; the page offers a document once it is clean.
    choices = [page.get_by_role("checkbox", name=name, exact=True) for name in FILES]
    deadline = time.monotonic() + SCAN_WAIT
    while not all(choice.count() == 1 for choice in choices):
        assert time.monotonic() < deadline, f"the uploads were not passed by the virus scan within {SCAN_WAIT:.0f} s"
        time.sleep(0.5)
        visit(page, send_url, name="waiting for the virus scan")
    check_page(page, "documents ready to send")
    expect(page.locator("#not-ready")).to_have_count(0)

    for choice in choices:
        choice.check()
    page.get_by_label("How many days can the requester download them for?").fill("28")
    page.get_by_label("Message to the requester (optional)").fill("Please call us if anything is missing.")
    page.get_by_label("This is our response to the request").check()
    _click_to_page(page, page.get_by_role("button", name="Preview email").click)
    expect(page.locator("h1")).to_have_text("Check the email before you send it")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(email)
    expect(summary).to_contain_text(LETTER)
    expect(summary).to_contain_text(RECORDS)
    expect(summary).to_contain_text("28 days")
    expect(summary).to_contain_text("Yes: today is recorded as the response date")
    preview = page.locator("#email-preview")
    expect(preview).to_contain_text("Please call us if anything is missing.")
    subject = preview.locator("p").first.inner_text().strip()

    _click_to_page(page, page.get_by_role("button", name="Send").click, "documents sent")
    assert page.url.endswith(f"{BO}/cases/{reference}"), page.url
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"2 documents sent securely to {email}")
    mail = mailbox.wait_for(to=email, subject=subject)
    assert "Please call us if anything is missing." in mail.text
    return mail.link("/secure-share/s/")


def _confirm(page: Page, email: str) -> None:
    expect(page.locator("h1")).to_have_text("Confirm your email address")
    page.get_by_label("Confirm your email address").fill(email)
    _click_to_page(page, page.get_by_role("button", name="Continue").click)
    expect(page.locator("h1")).to_have_text("Your documents")


def _requester_journey(page: Page, link: str, email: str, reference: str) -> None:
    visit(page, link)
    _confirm(page, email)
    expect(page.locator(".govuk-inset-text")).to_contain_text("You have 28 days left to download your documents.")
    expect(page.locator("main")).to_contain_text(RECORDS)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile(f"^{re.escape(LETTER)}")).click()
    download = downloading.value
    assert download.suggested_filename == LETTER
    assert Path(download.path()).read_bytes() == FILES[LETTER]

    _click_to_page(page, page.get_by_role("button", name="Sign out").click, "signed out")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    visit(page, link, name="signing in again")
    _confirm(page, email)
    _click_to_page(page, page.get_by_role("link", name="Access and download history").click)
    table = page.locator("table")
    expect(table).to_contain_text(f"Downloaded {LETTER}")
    expect(table).to_contain_text("Signed out")
    expect(table).to_contain_text("Signed in")
    _click_to_page(page, page.get_by_role("link", name="Back to your documents").click)

    _click_to_page(page, page.get_by_role("link", name="Remove these documents").click)
    expect(page.locator("h1")).to_have_text("Are you sure you want to remove these documents?")
    _click_to_page(page, page.get_by_role("button", name="Remove these documents").click, "documents removed")
    expect(page.locator(".govuk-panel__title")).to_have_text("Documents removed")
    visit(page, link, status=410, name="no longer available")
    expect(page.locator("main")).to_contain_text(reference)


def _journey(staff: Page, requester: Page, mailbox: MailSink, documents: list[Path], email: str) -> None:
    """The caseworker sends, the requester downloads, signs out and in and removes, the caseworker sees it all."""
    _sign_in(staff)
    reference = _log_a_sar(staff, email)
    link = _send_documents(staff, mailbox, reference, documents, email)

    _requester_journey(requester, link, email, reference)

    visit(staff, f"{BO}/cases/{reference}", name="after the requester removed the documents")
    card = staff.locator(".govuk-summary-card", has=staff.locator("h3", has_text="Sent"))
    expect(card).to_have_count(1)
    expect(card.locator(".govuk-summary-card__title .govuk-tag").first).to_have_text("Removed by the requester")
    status = card.locator(".govuk-summary-list__row", has=staff.locator("dt", has_text="Status"))
    expect(status.locator("dd")).to_have_text("Removed by the requester")
    expect(card).to_contain_text("(the response)")
    card.locator(".govuk-details__summary").click()  # a <details>: opens without JavaScript
    history = card.locator("table tbody")
    expect(history).to_be_visible()
    check_page(staff, "the share's history")
    for line in (f"Documents sent to {email}", "Email address confirmed", "Signed in", f"Downloaded {LETTER}",
                 "Signed out", "Documents removed by the requester"):
        expect(history).to_contain_text(line)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    responded = staff.locator(".govuk-summary-list__row", has=staff.locator("dt", has_text="Response sent"))
    expect(responded.locator("dd")).to_have_text(f"{today.day} {today:%B %Y}")


def test_caseworker_sends_documents_and_the_requester_removes_them(
        page: Page, open_page: Callable[..., Page], mailbox: MailSink, documents: list[Path], width: int) -> None:
    """The requester at 320 px and at 1280 px (``page``), the caseworker at 1280 px."""
    _journey(open_page(1280), page, mailbox, documents, f"e2e-staff-share-{os.getpid()}-{width}@example.com")

