"""Time: the share's last second and its expiry, the 30-minute idle limit, the 12-hour session, the cookie's flags."""

from __future__ import annotations

import dataclasses
import datetime as dt

import time_machine
from starlette.testclient import TestClient

from secureshare.web import cookies
from shared.runtime import Runtime
from tests.conftest import starlette_app
from tests.secureshare.conftest import FIREFOX, RequesterBrowser, Shares, link


def _documents(requester: RequesterBrowser, token: str) -> int:
    return requester.client.get(link(token) + "/documents", follow_redirects=False).status_code


def test_one_second_before_expiry_works_and_at_expiry_it_is_gone(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send(days=1)
    expires = shares.share(sent.share.id).expires_at.replace(tzinfo=dt.UTC)
    with time_machine.travel(expires - dt.timedelta(minutes=5), tick=False) as clock:
        requester.sign_in(sent.token)
        clock.move_to(expires - dt.timedelta(seconds=1))
        page = requester.get(link(sent.token) + "/documents")
        assert "You have until today to download your documents" in page.text
        requester.get(link(sent.token))  # signed in: straight on to the documents
        clock.move_to(expires)
        for tail in ("", "/documents", "/history"):
            requester.get(link(sent.token) + tail, status=410, title="No longer available")


def test_idle_for_31_minutes_asks_to_confirm_again(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send()
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        requester.sign_in(sent.token)
        for _ in range(4):  # each page signs the cookie again, so 29 minutes at a time is never idle
            clock.shift(dt.timedelta(minutes=29))
            assert _documents(requester, sent.token) == 200
        clock.shift(dt.timedelta(minutes=31))
        assert _documents(requester, sent.token) == 303
        assert requester.get(link(sent.token), title="Confirm your email address").status_code == 200
        requester.sign_in(sent.token)
        assert _documents(requester, sent.token) == 200


def test_twelve_hours_is_the_most_a_session_lasts(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send()
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        requester.sign_in(sent.token)
        for _ in range(int(12 * 60 / 25) - 1):
            clock.shift(dt.timedelta(minutes=25))
            assert _documents(requester, sent.token) == 200
        clock.shift(dt.timedelta(minutes=30))  # just past 12 hours since signing in, never idle
        assert _documents(requester, sent.token) == 303


def test_the_cookie_is_secure_under_https_and_signed_with_its_own_salt(runtime: Runtime, shares: Shares) -> None:
    sent = shares.send()
    https = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, base_url="https://testserver"))
    app = starlette_app("secureshare", https)
    with TestClient(app, base_url="https://testserver", root_path="/secure-share") as client:
        client.headers["User-Agent"] = FIREFOX
        browser = RequesterBrowser(client, check=lambda *a, **k: None)  # type: ignore[arg-type]
        response = browser.confirm(sent.token)
        set_cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie"
                      and v.startswith(cookies.COOKIE)).lower()
        for flag in ("httponly", "secure", "samesite=strict", "path=/secure-share/", "max-age=1800"):
            assert flag in set_cookie
    # A value Starlette's session middleware signed with the same key is no session cookie.
    from itsdangerous import TimestampSigner

    forged = TimestampSigner(runtime.settings.secret_key).sign("x" * 43).decode()
    assert cookies._signer(runtime.settings).validate(forged) is False
