"""Who is opening the link: a person's browser, or a prefetch, a scanner, a robot or a script."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from secureshare.web.visitors import device_of, is_a_person
from tests.secureshare.conftest import FIREFOX

SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")


def _request(method: str = "GET", **headers: str) -> Request:
    raw = [(name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": method, "path": "/s/x", "headers": raw, "query_string": b""})


@pytest.mark.parametrize("agent", [FIREFOX, SAFARI_IPHONE])
def test_a_browser_navigating_is_a_person(agent: str) -> None:
    assert is_a_person(_request(user_agent=agent))
    assert is_a_person(_request(user_agent=agent, sec_fetch_dest="document", sec_fetch_mode="navigate"))


def test_device_in_words() -> None:
    assert device_of(_request(user_agent=FIREFOX)) == "Firefox on Windows"
    assert device_of(_request(user_agent=SAFARI_IPHONE)) == "Safari on iPhone"


@pytest.mark.parametrize("headers", [
    {"sec_purpose": "prefetch"}, {"sec_purpose": "prefetch;prerender"}, {"purpose": "prefetch"},
    {"x_purpose": "preview"}, {"x_moz": "prefetch"}, {"sec_fetch_dest": "image"}, {"sec_fetch_dest": "empty"},
])
def test_prefetches_and_other_fetches_are_not(headers: dict[str, str]) -> None:
    assert not is_a_person(_request(user_agent=FIREFOX, **headers))


@pytest.mark.parametrize("agent", [
    "", "curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "Wget/1.21",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Microsoft Office Existence Discovery", "facebookexternalhit/1.1", "Mozilla/5.0 HeadlessChrome/120.0",
    "Mimecast URL Protect", "Barracuda Sentinel (EE)", "something-unknown/1.0",
])
def test_robots_scanners_and_scripts_are_not(agent: str) -> None:
    assert not is_a_person(_request(user_agent=agent))


def test_head_is_never_a_person() -> None:
    assert not is_a_person(_request("HEAD", user_agent=FIREFOX))
