"""The page checker every page test uses (status, title, one h1, unique ids, security headers), the
browser that fills in our forms' hidden fields, and the compiled templates page tests share."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient

REQUIRED_HEADERS = {
    "content-security-policy": None,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": None,
    "permissions-policy": None,
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-request-id": None,
}
#: The suite's default, or Secure Share's stricter one (its paths are secrets): never a looser one.
REFERRER_POLICIES = {"strict-origin-when-cross-origin", "no-referrer"}


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1: int = 0
        self.title: str = ""
        self._in_title = False
        self.inline_scripts: list[dict[str, str | None]] = []
        self._script_attrs: dict[str, str | None] | None = None
        self.forms: list[dict[str, str | None]] = []
        self.hidden_csrf = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self._in_title = True
        if tag == "script" and "src" not in attributes:
            self._script_attrs = attributes
        if tag == "form":
            self.forms.append(attributes)
        if tag == "input" and attributes.get("name") == "csrf_token":
            self.hidden_csrf += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "script" and self._script_attrs is not None:
            self.inline_scripts.append(self._script_attrs)
            self._script_attrs = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


class PageChecker:
    def __call__(self, response: httpx.Response, *, status: int = 200, title: str | None = None) -> _Structure:
        assert response.status_code == status, f"{response.url}: {response.status_code} != {status}\n{response.text[:2000]}"
        for header, value in REQUIRED_HEADERS.items():
            assert header in response.headers, f"missing {header}"
            if value is not None:
                assert response.headers[header] == value
        assert response.headers["referrer-policy"] in REFERRER_POLICIES
        assert "camera=()" in response.headers["permissions-policy"]
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["content-type"].startswith("text/html")
        page = _Structure()
        page.feed(response.text)
        assert page.h1 == 1, f"expected one h1, found {page.h1}"
        duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
        assert not duplicates, f"duplicate ids: {duplicates}"
        nonce = re.search(r"'nonce-([^']+)'", csp)
        for script in page.inline_scripts:
            assert nonce and script.get("nonce") == nonce.group(1), "inline script without the request's nonce"
        for form in page.forms:
            if (form.get("method") or "get").lower() == "post":
                assert page.hidden_csrf >= 1, "a POST form without a CSRF token"
        if title is not None:
            assert page.title.strip().startswith(title), f"title {page.title.strip()!r} does not start with {title!r}"
        return page


class Browser:
    """A TestClient that fills in the hidden fields of our forms as a browser would: the CSRF token
    (read from a page that always has one) and a fresh single-use key."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def token(self) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/sign-out-everywhere").text)
        assert match
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, key: str | None = None,
             **kwargs: Any) -> httpx.Response:
        form = {"csrf_token": self.token(), "idempotency_key": key or uuid.uuid4().hex, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)


_TEMPLATES: dict[tuple[str, str, str], Jinja2Templates] = {}


def share_templates(app: Any) -> None:
    """Reuse one compiled Jinja environment across tests: compiling the GOV.UK macros again for every
    new app is most of a page test's time. The templates depend only on the shell and the organisation's
    name and brand, so apps that share those share them."""
    assert isinstance(app, Starlette)
    settings = app.state.runtime.settings
    key = (app.state.shell.app_key, settings.org_name, settings.brand)
    app.state.templates = _TEMPLATES.setdefault(key, app.state.templates)
