"""The fault test: PostgreSQL restarted under load. Requests in flight get the GOV.UK 503 page (a 503 problem
under the API), never a 500; the suite recovers by itself; no case is half-written.

CI's PostgreSQL cannot itself be restarted, so the suite reaches it through a TCP proxy in this test, and
a restart is what the suite sees of one: every connection cut at once (a reset, as when the server's
backends die), new connections refused for two seconds (the port closed), then accepted again.
The app is the real suite (``create_suite``) under uvicorn, driven by threads sending case-creating API
requests, capture form answers and public and back-office pages the whole time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import socket
import sqlite3
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
from starlette.testclient import TestClient

from backoffice.api.models import ApiIdempotencyKey
from backoffice.cases.models import Case
from backoffice.staff.api_clients import create_api_client
from shared import audit, db
from shared.jobs import Job
from shared.runtime import Runtime
from shared.serve import create_suite
from shared.settings import Settings
from shared.web.errors import database_unavailable
from tests.conftest import ON_POSTGRES, SPECS, starlette_app
from tests.factories import SYSTEM, seed_body
from tests.shared.live import serving

pytestmark = pytest.mark.faults

DOWN_SECONDS = 2.0
BEFORE_SECONDS = 1.5
AFTER_SECONDS = 3.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
UNAVAILABLE = "Sorry, the service is unavailable"


class RestartingProxy:
    """127.0.0.1:<port> → PostgreSQL, which :meth:`restart` makes look restarted to everyone connected."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._went_down = threading.Event()
        self._stop = threading.Event()
        self.cut = 0
        self._thread = threading.Thread(target=self._accept, name="pg-proxy", daemon=True)
        self._thread.start()

    def restart(self) -> None:
        """Cut every connection and refuse new ones for DOWN_SECONDS; returns once the cut is made."""
        self._went_down.clear()
        self._down_until = time.monotonic() + DOWN_SECONDS
        assert self._went_down.wait(5), "the proxy did not go down"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        self._cut_all()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stop.is_set():
            if time.monotonic() < self._down_until:
                self._listener.close()  # the port refuses connections, as a stopped server's does
                self.cut = self._cut_all()
                self._went_down.set()
                time.sleep(max(0.0, self._down_until - time.monotonic()))
                self._listener = socket.create_server(("127.0.0.1", self.port))
                self._listener.settimeout(0.05)
                continue
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._links.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _cut_all(self) -> int:
        with self._lock:
            links, self._links = list(self._links), set()
        for sock in links:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        return len(links) // 2


@dataclasses.dataclass
class Outcome:
    kind: str
    status: int | None  # None: no answer at all (the connection failed)
    phase: str  # when it was sent
    ended: str  # when its answer came
    detail: str = ""


class Load:
    """Threads that keep requesting until told to stop, noting every answer and in which phase it came."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.phase = "warming"
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keys = itertools.count()
        self._threads = [threading.Thread(target=self._loop, args=(kind, work), daemon=True)
                         for kind, work in (("api-create", self._create), ("api-create", self._create),
                                            ("capture-answer", self._answer), ("capture-answer", self._answer),
                                            ("public-page", self._public), ("backoffice-page", self._backoffice))]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _loop(self, kind: str, work: Callable[[httpx.Client], httpx.Response]) -> None:
        with httpx.Client(base_url=self.base, timeout=20, follow_redirects=False) as client:
            while not self._stop.is_set():
                phase = self.phase
                try:
                    response = work(client)
                except httpx.HTTPError as exc:
                    outcome = Outcome(kind, None, phase, self.phase, repr(exc))
                else:
                    outcome = Outcome(kind, response.status_code, phase, self.phase, _problem_with(response))
                with self._lock:
                    self.outcomes.append(outcome)
                time.sleep(0.02)

    def _create(self, client: httpx.Client) -> httpx.Response:
        return client.post("/backoffice/api/v1/cases", json={
            "case_type": "foi", "received_on": "2025-12-22", "subject": "Bus timetables",
            "description": "Please send the 2025 bus timetables.",
            "requester": {"name": "Sam Jones", "email": "sam@example.com"}},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"restart-{next(self._keys)}"})

    def _answer(self, client: httpx.Client) -> httpx.Response:
        page = client.get("/capture/request/foi/name")
        found = _CSRF.search(page.text) if page.status_code == 200 else None
        if found is None:
            return page
        return client.post("/capture/request/foi/name", data={"name": "Sam Jones", "csrf_token": found.group(1)})

    def _public(self, client: httpx.Client) -> httpx.Response:
        return client.get("/capture/request/foi")

    def _backoffice(self, client: httpx.Client) -> httpx.Response:
        return client.get("/backoffice/api/v1/cases", headers={"Authorization": f"Bearer {self.token}"})

    def of(self, phase: str) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.phase == phase]

    def warm(self) -> None:
        """Wait for every kind of request to have succeeded once (the first pages compile templates)."""
        deadline = time.monotonic() + 30
        while {o.kind for o in self.of("warming") if o.status in (200, 201, 303)} != self.kinds:
            assert time.monotonic() < deadline, Counter((o.kind, o.status) for o in self.of("warming"))
            time.sleep(0.05)

    @property
    def kinds(self) -> set[str]:
        return {"api-create", "capture-answer", "public-page", "backoffice-page"}


def _problem_with(response: httpx.Response) -> str:
    """Empty when a 503 is the right one: the GOV.UK page for a person, a problem document for the API,
    either with Retry-After; else what is wrong with it (any other answer is checked by its status)."""
    if response.status_code != 503:
        return ""
    if "retry-after" not in response.headers:
        return "503 without Retry-After"
    if response.request.url.path.startswith("/backoffice/api/"):
        ok = response.headers["content-type"].startswith("application/problem+json") and \
            response.json().get("status") == 503
        return "" if ok else f"API 503 not a problem: {response.text[:200]}"
    ok = response.headers["content-type"].startswith("text/html") and UNAVAILABLE in response.text \
        and "govuk-template" in response.text
    return "" if ok else f"503 not the GOV.UK page: {response.text[:300]}"


@pytest.fixture
def proxy(settings: Settings) -> Iterator[RestartingProxy]:
    """Between the suite and the PostgreSQL server that DATABASE_URL names (CI's is 127.0.0.1:5432)."""
    url = make_url(settings.database_url)
    running = RestartingProxy((url.host or "127.0.0.1", url.port or 5432))
    yield running
    running.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: SQLite has no server to restart")
def test_a_restart_under_load_gives_503s_never_500s_and_the_suite_recovers_by_itself(
        runtime: Runtime, proxy: RestartingProxy) -> None:
    with runtime.factory() as session, session.begin():
        seed_body(session)
        _client, token = create_api_client(session, SYSTEM, "Contact centre CRM", ("cases:read", "cases:write"))
    url = runtime.settings.database_url
    proxied_url = make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxied = Runtime.from_settings(dataclasses.replace(runtime.settings, database_url=proxied_url))
    try:
        with serving(create_suite(proxied, SPECS, with_worker=False)) as port, \
                Load(f"http://127.0.0.1:{port}", token) as load:
            load.warm()
            load.phase = "before"
            time.sleep(BEFORE_SECONDS)
            load.phase = "restart"
            proxy.restart()
            time.sleep(DOWN_SECONDS)
            load.phase = "after"
            time.sleep(AFTER_SECONDS)
    finally:
        proxied.engine.dispose()

    report = {phase: Counter((o.kind, o.status) for o in load.of(phase))
              for phase in ("warming", "before", "restart", "after")}
    print(f"connections cut: {proxy.cut}; answers by phase: {report}")
    everything = load.outcomes
    assert proxy.cut >= 1, "the restart cut no connection: the suite was not using the proxy"
    wrong = [o for o in everything if o.status not in (200, 201, 303, 503) or o.detail]
    assert not wrong, wrong[:10]
    assert any(o.status == 503 for o in load.of("restart")), report  # the restart was felt
    untouched = [o for o in load.of("before") if o.ended == "before"]  # neither sent nor answered in the restart
    assert len(untouched) >= 10 and all(o.status != 503 for o in untouched), report
    # Recovered without restarting the app: once the server is back, every kind of request succeeds again,
    # and none fails after its first success.
    after = load.of("after")
    for kind in {o.kind for o in everything}:
        statuses = [o.status for o in after if o.kind == kind]
        assert statuses and statuses[-1] != 503, (kind, statuses)
        first_ok = next(i for i, status in enumerate(statuses) if status != 503)
        assert first_ok < 5 and all(s != 503 for s in statuses[first_ok:]), (kind, statuses)

    # No half-written case: every case committed whole (its audit entry, its acknowledgement, its key).
    created = [o for o in everything if o.kind == "api-create" and o.status == 201]
    with runtime.factory() as session:
        cases = session.scalars(select(Case)).all()
        references = [case.reference for case in cases]
        audited = session.scalar(select(func.count(audit.AuditEvent.id))
                                 .where(audit.AuditEvent.action == "case.created")) or 0
        keys = session.scalar(select(func.count(ApiIdempotencyKey.id))) or 0
        acknowledged: dict[Any, int] = Counter(
            job.payload.get("case_id") for job in session.scalars(select(Job))
            if job.payload.get("notice") == "requester_acknowledgement")
    assert len(cases) >= len(created) > 0
    assert len(set(references)) == len(references)
    assert audited == keys == len(cases), (audited, keys, len(cases))
    assert all(acknowledged.get(case.id) == 1 for case in cases), (acknowledged, [c.id for c in cases])


def test_only_errors_that_say_the_database_is_out_of_reach_are_503s() -> None:
    """The restart above shows psycopg's OperationalError; a closed connection used again is an InterfaceError,
    and any driver error that made SQLAlchemy drop its connection counts too. A wrong statement stays a 500."""
    cause = Exception("server closed the connection unexpectedly")
    assert database_unavailable(OperationalError("SELECT 1", {}, cause))
    assert database_unavailable(InterfaceError("SELECT 1", {}, cause))
    assert database_unavailable(DBAPIError("SELECT 1", {}, cause, connection_invalidated=True))
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not database_unavailable(ProgrammingError("SELEC 1", {}, Exception("syntax error")))


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite only: its equivalent of a server away is a write lock held too long")
def test_sqlite_locked_past_its_busy_timeout_gives_the_503_page_and_then_recovers(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds SQLite's write lock (a backup, a stuck script) past the busy timeout: the form's
    save is the GOV.UK 503 page with Retry-After, not a 500; once the lock is let go the same save goes through.
    The busy timeout is cut from 10 s to 1 s so the test is quick (it is read when a connection is opened)."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 1)
    locked = Runtime.from_settings(settings)
    try:
        with locked.factory() as session, session.begin():
            seed_body(session)
        client = TestClient(starlette_app("capture", locked), raise_server_exceptions=False)
        found = _CSRF.search(client.get("/request/foi/name").text)
        assert found is not None
        holder = sqlite3.connect(str(settings.data_dir / "civic.db"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # straight to SQLite, as another program would: no queue of ours
            started = time.monotonic()
            refused = client.post("/request/foi/name", data={"name": "Sam Jones", "csrf_token": found.group(1)},
                                  follow_redirects=False)
            took = time.monotonic() - started
        finally:
            holder.rollback()
            holder.close()
        assert refused.status_code == 503 and UNAVAILABLE in refused.text, refused.text[:2000]
        assert refused.headers["retry-after"].isdigit() and took < 5
        saved = client.post("/request/foi/name", data={"name": "Sam Jones", "csrf_token": found.group(1)},
                            follow_redirects=False)
        assert saved.status_code == 303, saved.text[:2000]
    finally:
        locked.engine.dispose()
