"""The harness checks itself: the mail sink works, and the page checks really fail on broken pages."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page

from e2e.harness import check_page, tab_through
from e2e.harness.mail import MailSink

pytestmark = pytest.mark.e2e


def test_mail_sink_receives_smtp_and_finds_links(mailbox: MailSink) -> None:
    message = EmailMessage()
    message["From"] = "noreply@example.gov.uk"
    message["To"] = "person@example.com"
    message["Subject"] = "Confirm your email address"
    message.set_content("Confirm by opening this link:\nhttp://127.0.0.1:1/capture/confirm/abc123\n\nThanks.")
    with smtplib.SMTP(mailbox.host, mailbox.port, timeout=5) as smtp:
        smtp.send_message(message)
    mail = mailbox.wait_for(to="person@example.com", subject="confirm", timeout=5)
    assert mail.link("/confirm/") == "http://127.0.0.1:1/capture/confirm/abc123"
    assert mailbox.messages == [mail]


def test_check_page_catches_problems(desktop_page: Page, mobile_page: Page) -> None:
    """A checker that never fails is worse than none: break a real page and expect each check to notice."""
    page = desktop_page
    page.goto("/capture/")
    page.evaluate("""() => {
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';  // no alt: axe image-alt
      document.querySelector('main').append(img);
      const blocked = document.createElement('img');
      blocked.src = 'https://example.invalid/tracker.png';  // img-src 'self': a CSP violation
      blocked.alt = '';
      document.querySelector('main').append(blocked);
      console.error('broken on purpose');
    }""")
    page.wait_for_function("() => (window.__e2eCsp || []).length > 0")
    with pytest.raises(AssertionError) as caught:
        check_page(page, "broken on purpose", record=False)
    message = str(caught.value)
    assert "image-alt" in message
    assert "CSP violation" in message and "img-src" in message
    assert "broken on purpose" in message

    mobile_page.goto("/capture/")
    mobile_page.evaluate("() => { const d = document.createElement('div'); d.style.width = '900px';"
                         " d.textContent = 'wide'; document.querySelector('main').append(d); }")
    with pytest.raises(AssertionError, match="horizontal scrolling at 320 px"):
        check_page(mobile_page, "too wide", axe=False, record=False)

    page.goto("/capture/")
    page.evaluate("""() => document.styleSheets[0].insertRule(
      'a:focus, a:focus-visible { outline: none !important; box-shadow: none !important;'
      + ' background: none !important; color: inherit !important; text-decoration: inherit !important;'
      + ' border: 0 !important }', document.styleSheets[0].cssRules.length)""")
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        tab_through(page)
