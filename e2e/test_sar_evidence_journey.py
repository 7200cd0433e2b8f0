"""A subject access request's identity evidence, from the requester's browser to the caseworker's download.

The requester sends a SAR with a clean PNG as evidence of identity and confirms the emailed link; a
caseworker signs in, opens the case, reads the requester's answers and sees the upload as an attachment
with the question it answered, and downloads it once the harness's clamd has passed it. Runs at 320 px
and 1280 px; every page reached goes through ``check_page`` (axe WCAG 2.2 AA, reflow, console and CSP).
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import check_page, press_continue, visit
from e2e.harness.mail import MailSink
from e2e.harness.server import REPO_ROOT, LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
CASEWORKER = "caseworker@example.gov.uk"
QUESTION = "Upload evidence of your identity"


@pytest.fixture(scope="module", autouse=True)
def own_server(live_server: LiveServer | None, clamd_socket: str | None) -> None:
    """The journey reads the harness's mail, signs in with the demo accounts and needs uploads scanned."""
    if live_server is None:
        pytest.skip("needs the harness's own server, mail sink and clamd")
    if clamd_socket is None and not (os.environ.get("CLAMD_SOCKET") or os.environ.get("CLAMD_HOST")):
        pytest.skip("ClamAV is not installed: uploads stay quarantined (sudo apt-get install clamav-daemon)")
    # Every browser here shares 127.0.0.1: raise the deployment's limits the supported way.
    subprocess.run([sys.executable, "-m", "shared.cli", "capture-limits", "--scale", "100"], cwd=REPO_ROOT,
                   env=live_server.env(), check=True, capture_output=True, timeout=60)


def _png() -> bytes:
    """A real 1×1 PNG: a photo of a passport, only smaller."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def passport(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evidence") / "passport.png"
    path.write_bytes(_png())
    return path


def _send_sar(page: Page, mailbox: MailSink, email: str, passport: Path) -> str:
    visit(page, "/capture/request/sar")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    check_page(page)
    for label, text in (("What is your full name?", "Alex Evidence"),
                        ("What other names have you been known by?", "")):
        page.get_by_label(label, exact=True).fill(text)
        press_continue(page)
    for part, value in (("Day", "27"), ("Month", "3"), ("Year", "1985")):
        page.get_by_label(part, exact=True).fill(value)
    press_continue(page)
    for label, text in (("What is your address?", "2 High Street\nTestshire"),
                        ("What is your email address?", email), ("What is your telephone number?", "")):
        page.get_by_label(label, exact=True).fill(text)
        press_continue(page)
    page.get_by_label("Describe the information you want", exact=True).fill("My council tax records.")
    page.get_by_label("What dates should we search?", exact=True).fill("2020 to now")
    press_continue(page)
    page.get_by_label(QUESTION, exact=True).set_input_files(str(passport))
    press_continue(page)
    page.get_by_label("No", exact=True).check()
    press_continue(page)
    expect(page.locator("h1")).to_have_text("Check your answers before sending your request")
    expect(page.locator("main")).to_contain_text("passport.png")
    with page.expect_navigation():
        page.get_by_role("button", name="Send a confirmation email").click()
    check_page(page)
    mail = mailbox.wait_for(to=email, subject="Confirm your email address")
    visit(page, mail.link("/capture/confirm?token="))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and send your request").click()
    check_page(page)
    expect(page.locator(".govuk-panel__title")).to_have_text("Request sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    ack = mailbox.wait_for(to=email, subject=reference)
    assert "/capture/progress" in ack.link("/capture/progress")
    return reference


def _sign_in(page: Page) -> None:
    visit(page, "/backoffice/sign-in")
    page.get_by_label("Email address").fill(CASEWORKER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    check_page(page)
    expect(page.get_by_role("button", name="Sign out").first).to_be_attached()


def _answer(page: Page, question: str) -> str:
    row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=re.compile(f"^\\s*{question}\\s*$")))
    return " ".join(row.locator("dd").inner_text().split())


def test_sar_evidence_reaches_the_caseworker(page: Page, open_page: Callable[..., Page], mailbox: MailSink,
                                             passport: Path, width: int) -> None:
    email = f"e2e-evidence-{os.getpid()}-{width}@example.com"
    reference = _send_sar(page, mailbox, email, passport)

    staff = open_page(width)
    _sign_in(staff)
    case_url = f"/backoffice/cases/{reference}"
    visit(staff, case_url)
    expect(staff.get_by_role("heading", name="The requester’s answers")).to_be_visible()
    assert _answer(staff, "Your date of birth") == "27 March 1985"
    assert _answer(staff, "Evidence of your identity") == "passport.png"
    attachments = staff.get_by_role("region", name="Attachments")
    row = attachments.get_by_role("row", name=re.compile("passport.png"))
    expect(row).to_contain_text(f"Answer to “{QUESTION}”")
    expect(row).to_contain_text("Alex Evidence (requester)")
    # The server's worker asks clamd; the page offers the download once the file is clean.
    download = attachments.get_by_role("link", name=re.compile(r"^passport\.png"))
    deadline = time.monotonic() + 30
    while download.count() == 0:
        assert time.monotonic() < deadline, "the upload was not passed by the virus scan within 30 s"
        time.sleep(0.5)
        visit(staff, case_url)
    expect(row).to_contain_text("Ready")
    check_page(staff)
    with staff.expect_download() as downloading:
        download.click()
    got = downloading.value
    assert got.suggested_filename == "passport.png"
    assert Path(got.path()).read_bytes() == _png()
