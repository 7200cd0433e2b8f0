"""Hundreds of requesters (a thousand with ``LOAD_REQUESTERS=1000``) confirm their requests at once, over HTTP, against the real ``civic serve --workers 2``.

What must hold however the requests interleave: exactly one case per confirmed draft, references unique
and gap-free for the type and year (auditors count them), each requester acknowledged exactly once (after
the in-process worker has drained its jobs), no 5xx, and a confirmation sent twice (a double click, or a
second click once the first has answered) makes no second case.

The drafts are made directly in the database, as the journey's pages leave them (answers saved, the
address recorded, a confirmation link issued), so the run spends its time on the confirmations.
The confirmations' p95 is printed: on PostgreSQL it is the reference counter row's lock that sets it.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from capture import drafts
from capture.limits import DEFAULTS, forget_cache, set_limit
from capture.models import Draft
from shared import links
from shared.db import transaction, utcnow
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime
from shared.settings import Settings
from tests.factories import seed_body

pytestmark = [pytest.mark.faults, pytest.mark.load]

REPO = Path(__file__).resolve().parents[2]
#: 300 in ``make test``, so CI stays inside its time; ``LOAD_REQUESTERS=1000`` is the issue's full run.
REQUESTERS = int(os.environ.get("LOAD_REQUESTERS", "300"))
IN_FLIGHT = 150
#: Every tenth requester double-clicks: two POSTs of the same link at the same instant.
DOUBLE_CLICK_EVERY = 10
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TLS = ssl.create_default_context()  # one for every client: httpx would build one per client otherwise
WAIT_SECONDS = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _email(n: int) -> str:
    return f"load-{n}@example.com"


def _prepare(runtime: Runtime) -> list[str]:
    """The body, limits raised as ``civic capture-limits --scale`` does (every requester is 127.0.0.1), and
    one checked FOI draft per requester with its confirmation link; returns the links' tokens."""
    with transaction(runtime.factory) as session:
        seed_body(session)
        for name, default in DEFAULTS.items():
            set_limit(session, name, default.count * 100_000, default.minutes)
    forget_cache()
    tokens: list[str] = []
    with transaction(runtime.factory) as session:
        now = utcnow()
        rows = [Draft(key_hash=f"load-{n:064d}"[-64:], case_type_key="foi", email=_email(n), created_at=now,
                      updated_at=now, answers={"name": f"Requester {n}", "email": _email(n),
                                               "information": f"Copies of road resurfacing contract {n}.",
                                               "format": "email", "address": ""})
                for n in range(REQUESTERS)]
        session.add_all(rows)
        session.flush()
        for n, draft in enumerate(rows):
            tokens.append(links.issue(session, drafts.CONFIRM, drafts.link_subject(draft.id), _email(n)))
    return tokens


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _confirm(base: str, token: str, double: bool, gate: asyncio.Semaphore, statuses: Counter[int],
                   timings: list[float], failures: list[str]) -> None:
    async with gate, httpx.AsyncClient(base_url=base, timeout=120, verify=TLS) as client:
        try:
            page = await client.get("/capture/confirm", params={"token": token})
            statuses[page.status_code] += 1
            found = CSRF.search(page.text)
            if found is None:
                return
            form = {"csrf_token": found.group(1), "token": token}
            started = time.perf_counter()
            posts = [client.post("/capture/confirm", data=form) for _ in range(2 if double else 1)]
            for response in await asyncio.gather(*posts):
                statuses[response.status_code] += 1
            timings.append((time.perf_counter() - started) * 1000)
            again = await client.post("/capture/confirm", data=form)  # a click after the first has answered
            statuses[again.status_code] += 1
        except httpx.TransportError as exc:  # a connection the server dropped is as bad as a 5xx
            failures.append(f"{type(exc).__name__}: {exc}")


async def _confirm_all(base: str, tokens: list[str]) -> tuple[Counter[int], list[float], list[str]]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    statuses: Counter[int] = Counter()
    timings: list[float] = []
    failures: list[str] = []
    await asyncio.gather(*(_confirm(base, token, n % DOUBLE_CLICK_EVERY == 0, gate, statuses, timings, failures)
                           for n, token in enumerate(tokens)))
    return statuses, timings, failures


def _acknowledgements(runtime: Runtime) -> Counter[str]:
    with runtime.factory() as session:
        return Counter(session.scalars(select(OutboxMessage.to_address)
                                       .where(OutboxMessage.to_address.like("load-%@example.com"))))


def test_confirmations_at_once_make_one_numbered_acknowledged_case_each(
        runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    tokens = _prepare(runtime)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_"))}
    env.update(APP_ENV="development", DATA_DIR=str(settings.data_dir), DATABASE_URL=settings.database_url,
               SECRET_KEY=settings.secret_key, HOST="127.0.0.1", PORT=str(port),
               BASE_URL=f"http://127.0.0.1:{port}", PYTHONPATH=str(REPO),
               CLAMD_SOCKET=str(tmp_path / "no-clamd.sock"))
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--workers", "2"],
                                  cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    if httpx.get(f"{base}/capture/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
                time.sleep(0.1)
            started = time.monotonic()
            statuses, timings, failures = asyncio.run(_confirm_all(base, tokens))
            confirmed_in = time.monotonic() - started
            deadline = time.monotonic() + WAIT_SECONDS
            while len(sent := _acknowledgements(runtime)) < REQUESTERS and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(1.0)  # anything the worker would send twice has had its chance
            sent = _acknowledgements(runtime)
            drained_in = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\n{REQUESTERS} confirmations in {confirmed_in:.1f} s ({IN_FLIGHT} in flight); acknowledgements "
          f"drained at {drained_in:.1f} s; confirm POST p50 {_percentile(timings, 50):.0f} ms, "
          f"p95 {_percentile(timings, 95):.0f} ms, max {max(timings):.0f} ms; statuses {dict(statuses)}; "
          f"{len(failures)} dropped; {settings.database_url.split(':')[0]}; load {os.getloadavg()[0]:.1f}")

    served = (tmp_path / "serve.log").read_text()
    problems = [line for line in served.splitlines() if " 500 " in line or "Traceback" in line or "ERROR" in line]
    assert not failures and not [status for status in statuses if status >= 500], \
        (statuses, len(failures), failures[:3], problems[:10], served[-2000:])
    assert set(statuses) <= {200, 303, 410}, statuses
    doubles = len(range(0, REQUESTERS, DOUBLE_CLICK_EVERY))
    # Each first POST goes to the confirmation page, and so does each later click (the cookie remembers the
    # case); of a double click's later click the cookie may keep the refused twin's answer instead.
    assert statuses[303] >= 2 * REQUESTERS - doubles, statuses
    with runtime.factory() as session:
        cases = session.execute(select(Case.reference, Case.number, Case.year, Case.requester_email)).all()
        assert len(cases) == REQUESTERS
        assert {email for *_, email in cases} == {_email(n) for n in range(REQUESTERS)}
        assert len({reference for reference, *_ in cases}) == REQUESTERS
        assert len({year for _, _, year, _ in cases}) == 1  # one type, one year: one run of numbers
        assert sorted(number for _, number, *_ in cases) == list(range(1, REQUESTERS + 1))
        assert all(reference == f"FOI-{year}-{number:05d}" for reference, number, year, _ in cases)
        unsent = session.execute(select(Draft.id, Draft.email, Draft.answers)
                                 .where(Draft.case_reference.is_(None), Draft.email.like("load-%"))).all()
        assert not unsent, unsent
    assert set(sent) == {_email(n) for n in range(REQUESTERS)}
    assert set(sent.values()) == {1}, [address for address, count in sent.items() if count != 1][:10]
