"""The sign-in cookie: signed with its own salt and the time, refused when tampered with or idle too long."""

from __future__ import annotations

import datetime as dt

import time_machine
from itsdangerous import TimestampSigner
from starlette.requests import Request
from starlette.responses import Response

from secureshare.web import cookies
from shared.settings import Settings

TOKEN = "n4i8PMrTjT01sHizspxHkFBDlEuUwnPpa4RBOZlvwx0"


def _with_cookie(value: str) -> Request:
    header = f"{cookies.COOKIE}={value}".encode()
    return Request({"type": "http", "method": "GET", "path": "/s/x", "root_path": "/secure-share",
                    "headers": [(b"cookie", header)], "query_string": b""})


def _issued(settings: Settings) -> str:
    response = cookies.keep_signed_in(Response(), _with_cookie(""), settings, TOKEN)
    header = response.headers["set-cookie"]
    assert "Path=/secure-share/" in header and "HttpOnly" in header and "SameSite=strict" in header
    return header.split(";", 1)[0].split("=", 1)[1]


def test_a_fresh_cookie_gives_the_token_back(settings: Settings) -> None:
    assert cookies.session_token(_with_cookie(_issued(settings)), settings) == TOKEN


def test_idle_for_longer_than_the_limit_is_refused(settings: Settings) -> None:
    start = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        value = _issued(settings)
        clock.shift(dt.timedelta(minutes=29, seconds=59))
        assert cookies.session_token(_with_cookie(value), settings) == TOKEN
        clock.shift(dt.timedelta(minutes=1, seconds=2))
        assert cookies.session_token(_with_cookie(value), settings) is None


def test_tampered_foreign_or_oversized_values_are_refused(settings: Settings) -> None:
    value = _issued(settings)
    other_salt = TimestampSigner(settings.secret_key).sign(TOKEN).decode()
    # A character inside the signature (the last one's low bits are padding in base64, so it may not count).
    flipped = value[:-5] + ("A" if value[-5] != "A" else "B") + value[-4:]
    for bad in (flipped, other_salt, TOKEN, "", "x" * 500, value + "x"):
        assert cookies.session_token(_with_cookie(bad), settings) is None
