"""Fixtures for the Playwright journeys: a live suite (or E2E_BASE_URL), a mail sink, one browser,
a fresh context per test at 320 px (mobile) and 1280 px (desktop), and the HTML report.

Journeys take ``page`` (runs the test at both widths) or ``mobile_page`` / ``desktop_page``,
and call ``visit(page, url)`` / ``check_page(page, name)`` from ``e2e.harness`` on every page.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from e2e.harness.checks import PageState, attach
from e2e.harness.mail import MailSink
from e2e.harness.report import Report
from e2e.harness.server import LiveServer, drop_postgres_schema, is_postgres
from shared import clamd_local
from tests.scheduling import pytest_xdist_make_scheduler  # noqa: F401 - the hook, for pytest-xdist

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
]
EXTERNAL_URL = (os.environ.get("E2E_BASE_URL") or "").rstrip("/")

WIDTHS: dict[int, dict[str, Any]] = {
    320: {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    1280: {"viewport": {"width": 1280, "height": 800}},
}

_LIVE: dict[str, LiveServer] = {}


def pytest_report_header() -> str:
    if EXTERNAL_URL:
        return f"e2e target: {EXTERNAL_URL} (E2E_BASE_URL; mail journeys skip)"
    db = os.environ.get("DATABASE_URL", "")
    return f"e2e target: a live `civic serve` on {'PostgreSQL ' + db if is_postgres(db) else 'a temporary SQLite database'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)  # under pytest-xdist they all run on one worker: tests/scheduling.py


# ---------------------------------------------------------------- server and mail


@pytest.fixture(scope="session")
def external() -> bool:
    """True when the journeys run against E2E_BASE_URL instead of a server the harness started."""
    return bool(EXTERNAL_URL)


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink | None]:
    if EXTERNAL_URL:
        yield None
        return
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(mail_sink: MailSink | None) -> MailSink:
    """The harness's SMTP sink, emptied for this test: ``mailbox.wait_for(to=..., subject=...).link("/confirm")``."""
    if mail_sink is None:
        pytest.skip("needs the harness's mail sink; not available with E2E_BASE_URL")
    mail_sink.clear()
    return mail_sink


@pytest.fixture(scope="session")
def clamd_socket() -> Iterator[str | None]:
    """A throwaway clamd (the EICAR test signature only) for the server's virus scans, so uploads become clean.

    None when the environment names its own clamd (CLAMD_SOCKET or CLAMD_HOST pass through), when the
    journeys run against E2E_BASE_URL, or when ClamAV is not installed (uploads then stay quarantined and
    the journeys that need a clean file skip).
    """
    if EXTERNAL_URL or os.environ.get("CLAMD_SOCKET") or os.environ.get("CLAMD_HOST") or clamd_local.find_clamd() is None:
        yield None
        return
    directory = tempfile.mkdtemp(prefix="e2e-clamd-")  # short: a Unix socket path must fit in 108 bytes
    daemon = clamd_local.start(directory)
    try:
        yield daemon.socket
    finally:
        daemon.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, mail_sink: MailSink | None,
    clamd_socket: str | None,
) -> Iterator[LiveServer | None]:
    """The real ``civic serve`` (db upgrade + demo data first); None with E2E_BASE_URL."""
    if EXTERNAL_URL:
        yield None
        return
    database = os.environ.get("DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    # Under xdist the tests' own worker schemas share the database: the server gets a schema of its own.
    schema = f"e2e_{''.join(c for c in worker.lower() if c.isalnum())}" if worker and is_postgres(database) else None
    server = LiveServer(
        data_dir=tmp_path_factory.mktemp("civic-data"),
        smtp_port=mail_sink.port if mail_sink else None,
        database_url=database if is_postgres(database) else None,
        clamd_socket=clamd_socket,
        schema=schema,
    )
    server.start()
    _LIVE["server"] = server
    try:
        yield server
    finally:
        server.stop()
        _LIVE.pop("server", None)
        if schema:
            drop_postgres_schema(database, schema)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer | None) -> str:
    return EXTERNAL_URL or (live_server.base_url if live_server else "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the server's log lines written during a failing test to its report."""
    outcome: Any = yield  # pluggy's Result: typed as what the generator receives, which Iterator cannot say
    report = outcome.get_result()
    server = _LIVE.get("server")
    if call.when == "setup":
        item.stash[_LOG_START] = server.log_offset() if server else 0
    if report.failed and server is not None:
        text = server.log(item.stash.get(_LOG_START, 0))
        report.sections.append(("civic serve log", text[-20000:] or "(nothing logged during this test)"))


_LOG_START = pytest.StashKey[int]()


# ---------------------------------------------------------------- report


@pytest.fixture(scope="session")
def report(request: pytest.FixtureRequest, base_url: str) -> Iterator[Report]:
    directory = Path(os.environ.get("E2E_REPORT_DIR") or request.config.rootpath / "e2e-report").resolve()
    rep = Report(directory, base_url)
    rep.prepare()
    try:
        yield rep
    finally:
        path = rep.write()
        terminal = request.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(f"\ne2e report: {path} — {rep.summary()}")


# ---------------------------------------------------------------- browser and pages


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per journey module, stopped when the module ends: Playwright's sync API keeps an event
    loop running in the thread while it is open, and under pytest-xdist the worker that ran the journeys
    goes on to other modules, whose ``asyncio.run`` would find it."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, base_url: str, report: Report, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``open_page(width=1280)``: a page in a fresh browser context (own cookies), e.g. a second user."""
    contexts: list[BrowserContext] = []

    def make(width: int = 1280) -> Page:
        context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Europe/London", **WIDTHS[width])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return attach(context.new_page(), PageState(width=width, test=request.node.name, report=report))

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(params=sorted(WIDTHS), ids=lambda w: f"{w}px")
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def page(open_page: Callable[..., Page], width: int) -> Page:
    """A fresh page; a test using it runs twice, at 320 px (mobile) and at 1280 px."""
    return open_page(width)


@pytest.fixture
def mobile_page(open_page: Callable[..., Page]) -> Page:
    return open_page(320)


@pytest.fixture
def desktop_page(open_page: Callable[..., Page]) -> Page:
    return open_page(1280)
