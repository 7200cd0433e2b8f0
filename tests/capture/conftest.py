"""Capture over HTTP: the app on its own, a seeded case core, the real SMTP server and the worker that mails."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from capture import limits
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import Settings
from shared.worker import build_worker
from tests.conftest import SPECS
from tests.factories import seed_body
from tests.pages import PageChecker
from tests.smtp_fixture import SmtpServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')

FOI_ANSWERS: list[tuple[str, dict[str, Any]]] = [
    ("name", {"name": "Sam Jones"}),
    ("email", {"email": "sam@example.com"}),
    ("information", {"information": "Copies of road resurfacing contracts let in 2025."}),
    ("format", {"format": "email"}),
    ("address", {"address": ""}),
]


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """Every capture test mails through the real SMTP test server."""
    return smtp.configure(settings)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    limits.forget_cache()


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    with transaction(runtime.factory) as session:
        seed_body(session)
    return runtime


@dataclass
class Requester:
    """One person's browser on the capture app, with the page checker applied to every page."""

    client: TestClient
    runtime: Runtime
    smtp: SmtpServer
    check: PageChecker
    seen: list[str] = field(default_factory=list)

    @property
    def app(self) -> Starlette:
        assert isinstance(self.client.app, Starlette)
        return self.client.app

    def get(self, path: str, status: int = 200, title: str | None = None, **kwargs: Any) -> httpx.Response:
        response = self.client.get(path, **kwargs)
        if response.status_code in (301, 302, 303, 307):
            return response
        self.check(response, status=status, title=title)
        self.seen.append(path)
        return response

    def csrf(self, path: str = "/progress") -> str:
        match = _CSRF.search(self.client.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, status: int | None = None,
             files: Any = None, csrf: bool = True, follow: bool = True) -> httpx.Response:
        payload = dict(data or {})
        if csrf:
            payload.setdefault("csrf_token", self.csrf())
        response = self.client.post(path, data=payload, files=files, follow_redirects=follow)
        if status is not None:
            self.check(response, status=status)
        return response

    def answer(self, type_key: str, page: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.post(f"/request/{type_key}/{page}", data, **kwargs)

    def fill(self, type_key: str, answers: list[tuple[str, dict[str, Any]]]) -> httpx.Response:
        response = None
        for page, data in answers:
            response = self.answer(type_key, page, data, status=200)
        assert response is not None
        return response

    def send(self, type_key: str) -> httpx.Response:
        page = self.get(f"/request/{type_key}/check")
        key = _IDEMPOTENCY.search(page.text)
        assert key, "no idempotency key on the check page"
        return self.post(f"/request/{type_key}/check", {"idempotency_key": key.group(1)}, status=200)

    def deliver(self) -> None:
        build_worker(self.runtime, SPECS).run_until_idle()

    def mail(self, count: int = 1) -> list[Any]:
        self.deliver()
        received = self.smtp.wait_for(count)
        assert len(received) >= count, f"expected {count} email(s), got {len(received)}"
        return [r.message for r in received]

    def link_in(self, message: Any, path: str) -> str:
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = re.search(r"https?://\S+", body[body.find("http"):])
        assert found, body
        url = found.group(0)
        assert path in url, url
        parts = urlsplit(url)
        assert parts.netloc == "testserver" and parts.path.startswith("/capture/"), url
        return parts.path.removeprefix("/capture") + "?" + parts.query


@pytest.fixture
def person(app_client: Callable[..., TestClient], seeded: Runtime, smtp: SmtpServer, check_page: PageChecker) -> Requester:
    return Requester(app_client("capture"), seeded, smtp, check_page)


@pytest.fixture
def other_person(app_client: Callable[..., TestClient], seeded: Runtime, smtp: SmtpServer,
                 check_page: PageChecker) -> Requester:
    return Requester(app_client("capture"), seeded, smtp, check_page)
