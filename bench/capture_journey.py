"""Benchmark: concurrent requesters completing the FOI journey against a real ``civic serve``.

Starts ``civic serve`` (with its in-process worker) on a free port with a temporary database
(SQLite, or with ``--database postgres`` a throwaway PostgreSQL database) and mail kept locally, then runs N simulated requesters (default 50), each an httpx
async client with its own cookies, through the whole FOI journey for the given duration:
start page, type start page, the five question pages, check your answers, send, check your
email, the confirmation link (read from the outbox, as a mail client would receive it),
confirm, confirmation page. A probe fetches /healthz throughout the same run.

Reports p50/p95 per page and end to end, errors (target zero), cases created against
journeys completed, and the ratio of the question page's p95 to /healthz's p95.

Rate limits would otherwise be the bottleneck (every requester shares 127.0.0.1), so the
bench raises them the way a deployment does, ``civic capture-limits --scale``: the limits
still count every hit, they just do not refuse.

    PYTHONPATH=. .venv/bin/python bench/capture_journey.py --seconds 60 --users 50
    PYTHONPATH=. .venv/bin/python bench/capture_journey.py --database postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.harness import CSRF, REPO, civic, free_port, percentile, scratch_database

IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOKEN = re.compile(r"/capture/confirm\?token=([A-Za-z0-9_-]+)")
PAGES = [
    ("name", {"name": "Sam Bench"}),
    ("email", {"email": "{email}"}),
    ("information", {"information": "Copies of road resurfacing contracts let in 2025."}),
    ("format", {"format": "email"}),
    ("address", {"address": ""}),
]


class Timings:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.think_seconds = 0.0

    async def call(self, client: httpx.AsyncClient, label: str, method: str, url: str, expect: int = 200,
                   **kwargs: object) -> httpx.Response:
        if self.think_seconds and method == "POST":
            # A person reads the page and types before sending it; +-50 % so requesters drift apart.
            await asyncio.sleep(self.think_seconds * random.uniform(0.5, 1.5))
        started = time.perf_counter()
        response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        self.samples[label].append((time.perf_counter() - started) * 1000)
        if response.status_code != expect:
            self.errors.append(f"{label}: HTTP {response.status_code}")
            raise RuntimeError(label)
        return response


def sql_engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)


def outbox_token(db: sa.Engine, email: str) -> str | None:
    with db.connect() as conn:
        row = conn.execute(sa.text("SELECT body_text FROM outbox_messages WHERE to_address = :email "
                                   "ORDER BY id DESC LIMIT 1"), {"email": email}).first()
    match = TOKEN.search(row[0]) if row else None
    return match.group(1) if match else None


async def journey(client: httpx.AsyncClient, t: Timings, db: sa.Engine, email: str) -> None:
    await t.call(client, "GET start page", "GET", "/capture/")
    await t.call(client, "GET type start page", "GET", "/capture/request/foi")
    page = await t.call(client, "GET question page", "GET", "/capture/request/foi/name")
    for key, data in PAGES:
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        form = {k: v.format(email=email) for k, v in data.items()} | {"csrf_token": csrf}
        response = await t.call(client, "POST answer", "POST", f"/capture/request/foi/{key}", 303, data=form)
        label = "GET check answers" if response.headers["location"].endswith("/check") else "GET question page"
        page = await t.call(client, label, "GET", response.headers["location"])
    form = {"csrf_token": CSRF.search(page.text).group(1), "idempotency_key": IDEMPOTENCY.search(page.text).group(1)}  # type: ignore[union-attr]
    response = await t.call(client, "POST send", "POST", "/capture/request/foi/check", 303, data=form)
    await t.call(client, "GET check your email", "GET", response.headers["location"])
    token = None
    for _ in range(100):
        token = await asyncio.to_thread(outbox_token, db, email)
        if token:
            break
        await asyncio.sleep(0.05)
    if token is None:
        t.errors.append("no confirmation email")
        raise RuntimeError("mail")
    page = await t.call(client, "GET confirm link", "GET", f"/capture/confirm?token={token}")
    form = {"csrf_token": CSRF.search(page.text).group(1), "token": token}  # type: ignore[union-attr]
    response = await t.call(client, "POST confirm", "POST", "/capture/confirm", 303, data=form)
    sent = await t.call(client, "GET confirmation page", "GET", response.headers["location"])
    if "Request sent" not in sent.text:
        t.errors.append("no confirmation panel")
        raise RuntimeError("sent")


#: One TLS context for every simulated browser: httpx builds a new one per client otherwise, which
#: blocks the bench's event loop for ~27 ms each time and would be counted against the server.
TLS = ssl.create_default_context()


async def requester(number: int, base: str, deadline: float, t: Timings, db: sa.Engine, done: list[int],
                    delay: float) -> None:
    await asyncio.sleep(delay)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        async with httpx.AsyncClient(base_url=base, timeout=30, verify=TLS) as client:
            started = time.perf_counter()
            try:
                await journey(client, t, db, f"bench-{number}-{n}@example.com")
            except (RuntimeError, httpx.HTTPError, AttributeError) as exc:
                if isinstance(exc, httpx.HTTPError | AttributeError):
                    t.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            t.samples["journey (end to end)"].append((time.perf_counter() - started) * 1000)
            done.append(1)


async def health_probe(base: str, deadline: float, t: Timings) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, verify=TLS) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(RuntimeError, httpx.HTTPError):
                await t.call(client, "GET /healthz", "GET", "/capture/healthz")
            await asyncio.sleep(0.1)


def prepare(env: dict[str, str]) -> None:
    civic(env, "db", "upgrade")
    civic(env, "demo-data")
    civic(env, "capture-limits", "--scale", "10000")


def count_web_cases(db: sa.Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM cases WHERE channel = 'web form'")).scalar_one())


async def run(base: str, seconds: float, users: int, db: sa.Engine, think: float,
              ramp: float) -> tuple[Timings, int, float]:
    t = Timings()
    t.think_seconds = think
    done: list[int] = []
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(health_probe(base, deadline, t),
                         *(requester(i, base, deadline, t, db, done, ramp * i / users) for i in range(users)))
    return t, len(done), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think-seconds", type=float, default=2.0,
                        help="time a requester spends on a page before sending it (0: click as fast as possible)")
    parser.add_argument("--ramp-seconds", type=float, default=10.0,
                        help="start the requesters evenly over this time, as people arrive (0: all at the same instant)")
    parser.add_argument("--workers", type=int, default=2, help="civic serve --workers")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="SQLite (the embedded default) or a throwaway PostgreSQL database (production)")
    parser.add_argument("--postgres-admin-url", default=f"postgresql://{getpass.getuser()}@127.0.0.1:5432/postgres",
                        help="where to create (and afterwards drop) the PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as tmp, \
            scratch_database(args.database, Path(tmp), args.postgres_admin_url, f"capture_bench_{os.getpid()}") as url:
        data = Path(tmp)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_"))}
        env.update(APP_ENV="development", DATA_DIR=str(data), DATABASE_URL=url,
                   SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789", HOST="127.0.0.1", PORT=str(port),
                   BASE_URL=f"http://127.0.0.1:{port}", PYTHONPATH=str(REPO))
        prepare(env)
        db = sql_engine(url)
        log = (data / "serve.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--workers", str(args.workers)],
                                  cwd=REPO, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/capture/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            before = count_web_cases(db)
            t, completed, elapsed = asyncio.run(run(base, args.seconds, args.users, db,
                                                    args.think_seconds, args.ramp_seconds))
            created = count_web_cases(db) - before
        finally:
            server.terminate()
            server.wait(timeout=15)
            db.dispose()
    print(f"{args.users} requesters for {elapsed:.0f} s against civic serve --workers {args.workers} "
          f"({'SQLite' if args.database == 'sqlite' else 'PostgreSQL'}, worker in process), {args.think_seconds:g} s on each page before sending it, "
          f"all {args.users} started within the first {args.ramp_seconds:g} s\n")
    print(f"{'page':<24}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for label, values in sorted(t.samples.items()):
        print(f"{label:<24}{len(values):>7}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}")
    form_p95 = percentile(t.samples["GET question page"], 95)
    health_p95 = percentile(t.samples["GET /healthz"], 95)
    print(f"\njourneys completed: {completed} ({completed / elapsed:.1f}/s); cases created: {created}"
          f" ({'equal' if created == completed else 'NOT EQUAL'})")
    print(f"errors: {len(t.errors)}" + (f" e.g. {sorted(set(t.errors))[:5]}" if t.errors else ""))
    print(f"question page p95 / healthz p95: {form_p95:.1f} / {health_p95:.1f} ms = {form_p95 / health_p95:.2f}")
    return 0 if not t.errors and created == completed else 1


if __name__ == "__main__":
    sys.exit(main())
