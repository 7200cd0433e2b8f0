"""The development mail pages: what a newcomer clicks to validate an address without a mail server."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from backoffice.dev_mail import linkify
from shared.db import transaction
from shared.jobs import Worker
from shared.mail import JOB_KINDS, send_email
from shared.runtime import Runtime
from tests.conftest import spec

BODY = (
    "Hello <b>Zoë</b>,\n\n"
    "Confirm your email address: http://testserver/capture/confirm?token=a&b=c.\n"
    "(Or see https://example.org/help)\n"
)


def keep(runtime: Runtime, subject: str, body: str = BODY) -> int:
    with transaction(runtime.factory) as session:
        message = send_email(session, "person@example.com", subject, body)
    Worker(settings=runtime.settings, factory=runtime.factory, kinds=JOB_KINDS).run_until_idle()
    return message.id


def test_list_shows_kept_mail_newest_first(runtime: Runtime, app_client, check_page) -> None:  # type: ignore[no-untyped-def]
    client = app_client("backoffice")
    check_page(client.get("/dev/mail"), title="Mail kept in development")
    assert "No mail has been kept yet." in client.get("/dev/mail").text

    first = keep(runtime, "First message")
    second = keep(runtime, "Second <message>")
    response = client.get("/dev/mail")
    check_page(response, title="Mail kept in development")
    text = response.text
    assert text.index("Second &lt;message&gt;") < text.index("First message")
    assert f'href="/dev/mail/{first}"' in text and f'href="/dev/mail/{second}"' in text
    assert 'class="civic-scroll-region" tabindex="0" role="region" aria-label=' in text
    assert "person@example.com" in text


def test_message_page_shows_body_with_clickable_links(runtime: Runtime, app_client, check_page) -> None:  # type: ignore[no-untyped-def]
    message_id = keep(runtime, "Confirm your email address")
    response = app_client("backoffice").get(f"/dev/mail/{message_id}")
    check_page(response, title="Confirm your email address")
    text = response.text
    assert '<a class="govuk-link" href="http://testserver/capture/confirm?token=a&amp;b=c">' in text
    assert '<a class="govuk-link" href="https://example.org/help">' in text
    assert "Hello &lt;b&gt;Zoë&lt;/b&gt;" in text  # the body is text, never markup
    assert "<pre" in text and 'href="/dev/mail"' in text


def test_unknown_or_really_sent_message_is_404(runtime: Runtime, app_client, check_page) -> None:  # type: ignore[no-untyped-def]
    client = app_client("backoffice")
    check_page(client.get("/dev/mail/999"), status=404, title="Page not found")
    with transaction(runtime.factory) as session:
        pending = send_email(session, "person@example.com", "Not kept", "Body")
    check_page(client.get(f"/dev/mail/{pending.id}"), status=404, title="Page not found")


def test_pages_are_404_in_production(runtime: Runtime, check_page) -> None:  # type: ignore[no-untyped-def]
    message_id = keep(runtime, "Secret")
    production = Runtime(dataclasses.replace(runtime.settings, app_env="production"), runtime.engine, runtime.factory)
    client = TestClient(spec("backoffice").create_app(production), raise_server_exceptions=False)
    for path in ("/dev/mail", f"/dev/mail/{message_id}"):
        response = client.get(path)
        check_page(response, status=404, title="Page not found")
        assert "Secret" not in response.text


def test_linkify_escapes_and_leaves_trailing_punctuation() -> None:
    html = str(linkify('See https://a.example/x?y=1&z="2". Or <script>, or (http://b.example/p).'))
    assert html == (
        'See <a class="govuk-link" href="https://a.example/x?y=1&amp;z=">https://a.example/x?y=1&amp;z=</a>'
        '&#34;2&#34;. Or &lt;script&gt;, or (<a class="govuk-link" href="http://b.example/p">http://b.example/p</a>).'
    )
    assert str(linkify("javascript:alert(1) ftp://x.example")) == "javascript:alert(1) ftp://x.example"
