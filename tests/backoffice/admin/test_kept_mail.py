"""The development mail pages: what a newcomer clicks to validate an address without a mail server.

They show every kept email, password-reset links included, so they open only when APP_ENV=development
was set explicitly and no SMTP server or Notify key is configured, and then only to an administrator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import pytest
from starlette.testclient import TestClient

from backoffice.admin.web.kept_mail import linkify
from backoffice.staff.accounts import Role
from shared.db import transaction
from shared.jobs import Worker
from shared.mail import JOB_KINDS, send_email
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from tests.backoffice.staff.helpers import add_user, sign_in
from tests.conftest import spec

ADMIN = "admin@example.gov.uk"

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


def _environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment the test settings were read from, without APP_ENV, plus ``extra``."""
    return {"DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key, "BASE_URL": settings.base_url, **extra}


def _runtime(runtime: Runtime, environ: Mapping[str, str]) -> Runtime:
    return Runtime(load_settings(environ), runtime.engine, runtime.factory)


def _client(runtime: Runtime, *, signed_in_as: str | None = None) -> TestClient:
    client = TestClient(spec("backoffice").create_app(runtime), raise_server_exceptions=False)
    if signed_in_as is not None:
        assert sign_in(client, signed_in_as).status_code == 303
    return client


@pytest.fixture
def development(runtime: Runtime) -> Runtime:
    """APP_ENV=development set explicitly, no SMTP server, no Notify key: kept mail can be shown."""
    return _runtime(runtime, _environment(runtime.settings, APP_ENV="development"))


@pytest.fixture
def admin(development: Runtime) -> Iterator[TestClient]:
    add_user(development.factory, ADMIN, Role.ADMINISTRATOR)
    with _client(development, signed_in_as=ADMIN) as client:
        yield client


def test_list_shows_kept_mail_newest_first(runtime: Runtime, admin: TestClient, check_page) -> None:
    client = admin
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


def test_message_page_shows_body_with_clickable_links(runtime: Runtime, admin: TestClient, check_page) -> None:
    message_id = keep(runtime, "Confirm your email address")
    response = admin.get(f"/dev/mail/{message_id}")
    check_page(response, title="Confirm your email address")
    text = response.text
    assert '<a class="govuk-link" href="http://testserver/capture/confirm?token=a&amp;b=c">' in text
    assert '<a class="govuk-link" href="https://example.org/help">' in text
    assert "Hello &lt;b&gt;Zoë&lt;/b&gt;" in text  # the body is text, never markup
    assert "<pre" in text and 'href="/dev/mail"' in text


def test_unknown_or_really_sent_message_is_404(runtime: Runtime, admin: TestClient, check_page) -> None:
    client = admin
    check_page(client.get("/dev/mail/999"), status=404, title="Page not found")
    with transaction(runtime.factory) as session:
        pending = send_email(session, "person@example.com", "Not kept", "Body")
    check_page(client.get(f"/dev/mail/{pending.id}"), status=404, title="Page not found")


def test_pages_are_404_in_production(runtime: Runtime, check_page) -> None:
    message_id = keep(runtime, "Secret")
    production = Runtime(dataclasses.replace(runtime.settings, app_env="production"), runtime.engine, runtime.factory)
    client = TestClient(spec("backoffice").create_app(production), raise_server_exceptions=False)
    for path in ("/dev/mail", f"/dev/mail/{message_id}"):
        response = client.get(path)
        check_page(response, status=404, title="Page not found")
        assert "Secret" not in response.text


@pytest.mark.parametrize(
    "environ",
    [
        {},  # a deployment that forgot APP_ENV: the default is development, but nobody said so
        {"APP_ENV": ""},
        {"APP_ENV": "development", "SMTP_HOST": "smtp.example.gov.uk"},  # mail really leaves: nothing is kept
        {"APP_ENV": "development", "NOTIFY_API_KEY": "key", "NOTIFY_TEMPLATE_ID": "template"},
    ],
    ids=["app-env-unset", "app-env-empty", "smtp", "notify"],
)
def test_pages_are_404_unless_development_was_chosen_and_mail_is_kept(runtime: Runtime, check_page, environ) -> None:
    message_id = keep(runtime, "Reset your password: http://testserver/backoffice/password/new?token=secret")
    deployed = _runtime(runtime, _environment(runtime.settings, **environ))
    add_user(deployed.factory, ADMIN, Role.ADMINISTRATOR)
    for who in (None, ADMIN):  # not even an administrator sees them
        client = _client(deployed, signed_in_as=who)
        for path in ("/dev/mail", f"/dev/mail/{message_id}"):
            response = client.get(path, follow_redirects=False)
            check_page(response, status=404, title="Page not found")
            assert "token=secret" not in response.text and "Reset your password" not in response.text


def test_pages_need_an_administrator(development: Runtime, check_page) -> None:
    message_id = keep(development, "Reset your password: http://testserver/backoffice/password/new?token=secret")
    for path in ("/dev/mail", f"/dev/mail/{message_id}"):
        response = _client(development).get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next=")
        assert "token=secret" not in response.text
    for role in (Role.MANAGER, Role.CASEWORKER, Role.READ_ONLY):
        email = f"{role.value}@example.gov.uk"
        add_user(development.factory, email, role)
        client = _client(development, signed_in_as=email)
        for path in ("/dev/mail", f"/dev/mail/{message_id}"):
            response = client.get(path)
            check_page(response, status=403)
            assert "token=secret" not in response.text
    add_user(development.factory, ADMIN, Role.ADMINISTRATOR)
    shown = _client(development, signed_in_as=ADMIN).get(f"/dev/mail/{message_id}")
    check_page(shown, title="Reset your password: http://testserver/backoffice/password/new?token=secret")


def test_civic_serve_lists_the_mail_page_only_where_it_is_available(runtime: Runtime) -> None:
    from shared.apps import discover
    from shared.cli import serve_banner

    def listed(**environ: str) -> bool:
        lines = serve_banner(load_settings(_environment(runtime.settings, **environ)), discover())
        return any("/backoffice/dev/mail" in line for line in lines)

    assert listed(APP_ENV="development")
    assert not listed()
    assert not listed(APP_ENV="production")
    assert not listed(APP_ENV="development", SMTP_HOST="smtp.example.gov.uk")


def test_linkify_escapes_and_leaves_trailing_punctuation() -> None:
    html = str(linkify('See https://a.example/x?y=1&z="2". Or <script>, or (http://b.example/p).'))
    assert html == (
        'See <a class="govuk-link" href="https://a.example/x?y=1&amp;z=">https://a.example/x?y=1&amp;z=</a>'
        '&#34;2&#34;. Or &lt;script&gt;, or (<a class="govuk-link" href="http://b.example/p">http://b.example/p</a>).'
    )
    assert str(linkify("javascript:alert(1) ftp://x.example")) == "javascript:alert(1) ftp://x.example"
