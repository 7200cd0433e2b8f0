"""Behind a reverse proxy the client's address and scheme come from its headers, and only then.

``TRUSTED_PROXIES`` lists the proxies; a request from anywhere else has its
``X-Forwarded-*`` headers ignored, so a stranger cannot choose the address
every per-address limit and audit entry uses.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from shared import audit
from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell

ROOT = Path(__file__).resolve().parents[2]


def _who(ctx: RequestContext) -> Response:
    audit.record(ctx.db, ctx.anonymous_actor(), "probe.seen", "probe", 1)
    return PlainTextResponse(f"{ctx.ip} {ctx.request.url.scheme}")


def _client(runtime: Runtime, peer: str, trusted: tuple[str, ...] = ()) -> TestClient:
    settings = dataclasses.replace(runtime.settings, trusted_proxies=trusted)
    routes = [page("/", _who, name="start", access=PUBLIC, writes_on_get=True)]
    app = create_web_app(Runtime(settings, runtime.engine, runtime.factory), shell=Shell("probe", "Probe"),
                         routes=routes, templates_dir=None)
    return TestClient(app, client=(peer, 40000))


FORWARDED = {"X-Forwarded-For": "198.51.100.7, 10.0.0.9", "X-Forwarded-Proto": "https"}


def test_headers_are_ignored_by_default(runtime: Runtime) -> None:
    assert _client(runtime, "10.0.0.5").get("/", headers=FORWARDED).text == "10.0.0.5 http"


def test_a_trusted_proxy_gives_the_rightmost_untrusted_address_and_the_scheme(runtime: Runtime) -> None:
    client = _client(runtime, "10.0.0.5", ("10.0.0.0/8",))
    assert client.get("/", headers=FORWARDED).text == "198.51.100.7 https"
    # A client's own X-Forwarded-For is left of what the proxy appends: it cannot choose its address.
    spoofed = client.get("/", headers={"X-Forwarded-For": "203.0.113.1, 198.51.100.7"})
    assert spoofed.text == "198.51.100.7 http"
    # Junk that is no address leaves the proxy's own.
    assert client.get("/", headers={"X-Forwarded-For": "<script>"}).text == "10.0.0.5 http"
    with runtime.factory() as session:
        seen = session.scalars(select(audit.AuditEvent.ip).order_by(audit.AuditEvent.id)).all()
    assert seen == ["198.51.100.7", "198.51.100.7", "10.0.0.5"]


def test_a_request_not_from_a_trusted_proxy_keeps_its_own_address(runtime: Runtime) -> None:
    client = _client(runtime, "192.0.2.44", ("10.0.0.0/8",))
    assert client.get("/", headers=FORWARDED).text == "192.0.2.44 http"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def civic_serve(settings):
    """Start ``civic serve`` as a deployment would; yields a function that starts one and returns its address."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, trusted: str = "") -> str:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRUSTED_PROXIES")}
        env.update({
            "DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key, "HOST": "127.0.0.1", "PORT": str(port),
            "CLAMD_SOCKET": str(settings.clamd_socket), "TRUSTED_PROXIES": trusted,
        })
        process = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--no-worker", *args], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, "civic serve exited"
            try:
                if httpx.get(base + "/capture/healthz", timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("civic serve did not start")

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.parametrize("mode", [(), ("--workers", "2")], ids=["one-process", "workers"])
def test_civic_serve_honours_trusted_proxies(civic_serve, mode: tuple[str, ...]) -> None:
    """/healthz tells internal callers (loopback here) its details, and a forwarded stranger only the status."""
    base: str = civic_serve(*mode, trusted="127.0.0.1")
    for _ in range(4):  # with several processes, more than one of them answers
        assert "database" in httpx.get(base + "/capture/healthz").json()
        forwarded = httpx.get(base + "/capture/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.json() == {"status": "ok"}


def test_civic_serve_ignores_forwarded_headers_by_default(civic_serve) -> None:
    base: str = civic_serve()
    assert "database" in httpx.get(base + "/capture/healthz", headers={"X-Forwarded-For": "203.0.113.9"}).json()
