"""Benchmark: a year's availability and 12-month target attainment, beside the bare SQL, in one run.

Builds a temporary SQLite database the way a deployment does (``shared.migrations.upgrade``), then
bulk-inserts straight into it (``executemany`` on the driver; the ORM would take minutes):

- a year of minute probes of one service (525,600 results by default): passing, with about 60 outages
  of 2 to 90 minutes and a dozen stretches of 5 to 120 minutes with no results (the prober down);
- 10,000 incidents over the same year across the four services and five priorities, with response and
  resolve due times, about 90 % resolved (some late), a few with an external cause, and some planned
  maintenance windows.

Then it measures, median of ``--runs`` runs after one warm-up, each beside its bare SQL in the same
process on the same rows:

- ``availability`` over the year (the code the pages and the service report call), beside a plain
  ``COUNT(*) ... GROUP BY outcome`` over the same probe rows: what counting checks would cost; and,
  once, the window-function query PostgreSQL uses, run here on SQLite, to show why SQLite does not;
- ``attainment`` over the preceding 12 months, beside a plain ``GROUP BY service, priority`` with the
  met counts;
- ``service_status`` (the public status page: 90 days by day), beside the same COUNT over 90 days;
- one probe round of the four services against ``civic serve`` in its own process: wall time and the
  prober's CPU time.

Target: each under 2 s.

    PYTHONPATH=. .venv/bin/python bench/incidents.py
    PYTHONPATH=. .venv/bin/python bench/incidents.py --probes 100000 --incidents 2000 --runs 3
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from backoffice.cases.case_types import seed_built_in_types
from backoffice.incidents import availability as measure
from backoffice.incidents.attainment import attainment
from backoffice.incidents.availability import availability
from backoffice.incidents.service_levels import Priority, Service
from backoffice.incidents.status import service_status
from backoffice.organisation.body import get_organisation
from shared import migrations
from shared.apps import discover, import_models
from shared.audit import SYSTEM
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0
SERVICE = Service.CAPTURE
MINUTE = dt.timedelta(minutes=1)
PROBE_COLUMNS = ("service", "at", "outcome", "duration_ms", "detail")
INCIDENT_COLUMNS = ("reference", "service", "priority", "title", "affected", "status", "service_model",
                    "received_at", "responded_at", "resolved_at", "closed_at", "response_due_at", "resolve_due_at",
                    "external_cause", "raised_by", "probe", "created_at")
#: Rough service-hour targets as elapsed time (the bench needs plausible due times, not the clock's).
RESPONSE_DUE = {"P1": 1, "P2": 2, "P3": 2, "P4": 2}
RESOLVE_DUE = {"P1": 4, "P2": 8, "P3": 60, "P4": 700}


def _stamp(moment: dt.datetime | None) -> str | None:
    """An instant as SQLAlchemy stores it in SQLite: UTC text."""
    return None if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _settings(data_dir: Path) -> Any:
    return load_settings({
        "DATABASE_URL": f"sqlite:///{data_dir / 'civic.db'}",
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "BASE_URL": "http://bench.invalid",
        "APP_ENV": "development",
    })


def _minutes(rng: random.Random, count: int, shortest: int, longest: int, minutes: int) -> set[int]:
    """The minute indices covered by ``count`` random spans of ``shortest`` to ``longest`` minutes."""
    covered: set[int] = set()
    for _ in range(count):
        begin = rng.randrange(minutes)
        covered.update(range(begin, begin + rng.randint(shortest, longest)))
    return covered


def build(data_dir: Path, probes: int, incidents: int, now: dt.datetime, seed: int = 20261203) -> Runtime:
    settings = _settings(data_dir)
    migrations.upgrade(settings.database_url)
    import_models(discover())
    runtime = Runtime.from_settings(settings)
    with transaction(runtime.factory) as session:
        get_organisation(session)
        seed_built_in_types(session, SYSTEM)  # the request forms the capture probe walks through
    rng = random.Random(seed)
    start = now - probes * MINUTE
    outages = _minutes(rng, 60, 2, 90, probes)
    silences = _minutes(rng, 12, 5, 120, probes)
    db = sqlite3.connect(data_dir / "civic.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-200000", "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    rows = []
    for i in range(probes):
        moment = start + i * MINUTE
        if i in silences:
            continue
        outcome = "fail" if i in outages else ("slow" if rng.random() < 0.001 else "pass")
        rows.append((SERVICE.value, _stamp(moment), outcome, rng.randint(80, 900), ""))
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO probe_results ({', '.join(PROBE_COLUMNS)}) "  # noqa: S608
                   f"VALUES ({', '.join('?' * len(PROBE_COLUMNS))})", rows)
    services = [s.value for s in Service]
    priorities = [p.value for p in Priority]
    incident_rows = []
    for n in range(1, incidents + 1):
        priority = rng.choices(priorities, [2, 8, 30, 40, 20])[0]
        received = start + rng.randrange(probes) * MINUTE
        responded = received + rng.randint(5, 180) * MINUTE
        resolved: dt.datetime | None
        if priority == "P1":  # a P1 is all hands: resolved within hours (an open one would be a year down)
            resolved = received + rng.randint(20, 300) * MINUTE
        else:
            resolved = received + rng.randint(10, 60 * 24 * 20) * MINUTE if rng.random() < 0.9 else None
        if resolved is not None and resolved > now:
            resolved = None
        response_due = received + dt.timedelta(hours=RESPONSE_DUE[priority]) if priority in RESPONSE_DUE else None
        resolve_due = received + dt.timedelta(hours=RESOLVE_DUE[priority]) if priority in RESOLVE_DUE else None
        incident_rows.append((
            f"INC-{n:05d}", rng.choice(services), priority, f"Bench incident {n}", "", "resolved" if resolved else
            "investigating", "plus", _stamp(received), _stamp(responded), _stamp(resolved), None,
            _stamp(response_due), _stamp(resolve_due), "Supplier" if rng.random() < 0.03 else "", "bench", "",
            _stamp(received)))
    # Text columns added since (NOT NULL, defaulted by the model, not the table) get "", so the bench
    # keeps working as the table grows.
    extra = tuple(name for _, name, kind, notnull, default, key in db.execute("PRAGMA table_info(incidents)")
                  if notnull and default is None and not key and name not in INCIDENT_COLUMNS
                  and kind.upper().startswith("VARCHAR"))
    columns = INCIDENT_COLUMNS + extra
    db.executemany(f"INSERT INTO incidents ({', '.join(columns)}) "  # noqa: S608
                   f"VALUES ({', '.join('?' * len(columns))})", [row + ("",) * len(extra) for row in incident_rows])
    windows = []
    for _ in range(24):
        begin = start + rng.randrange(probes) * MINUTE
        windows.append((begin, begin + rng.randint(60, 240) * MINUTE))
    db.executemany("INSERT INTO incident_maintenance (service, title, starts_at, ends_at, created_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   [("", "Bench window", _stamp(a), _stamp(b), "bench", _stamp(a)) for a, b in windows])
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return runtime


def timed(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    work()  # warm-up: the connection, the page cache, the bank holiday calendar
    samples = []
    result: object = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def line(label: str, seconds: float, bare: float) -> None:
    ratio = seconds / bare if bare else float("inf")
    verdict = "ok" if seconds < TARGET_SECONDS else "OVER TARGET"
    print(f"{label:<34} {seconds:8.3f} s   bare SQL {bare:8.3f} s   ratio {ratio:6.1f}x   {verdict}")


def probe_round(data_dir: Path, runs: int) -> None:
    """One round of the four probes against ``civic serve --no-worker`` in its own process, so the CPU time
    measured here is the prober's alone (HTTP client, HTML checks, a draft saved), beside its wall time."""
    from backoffice.incidents import probes

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_", "CLAMD_"))}
    env.update(APP_ENV="development", DATA_DIR=str(data_dir), DATABASE_URL=f"sqlite:///{data_dir / 'civic.db'}",
               SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789", HOST="127.0.0.1", PORT=str(port),
               BASE_URL=base, PYTHONPATH=str(REPO))
    log = (data_dir / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--no-worker"], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/backoffice/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        settings = dataclasses.replace(_settings(data_dir), base_url=base)
        probes.run_round(settings)  # warm-up: the server's templates, the connections
        walls, cpus, outcomes = [], [], []
        for _ in range(runs):
            cpu, wall = time.process_time(), time.perf_counter()
            findings = probes.run_round(settings)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            outcomes = [f"{f.service.value} {f.outcome.value}" + (f" ({f.detail[:160]})" if f.outcome.value != "pass" else "")
                        for f in findings]
        print(f"probe round (4 services, over HTTP) wall {statistics.median(walls):.3f} s, "
              f"prober CPU {statistics.median(cpus) * 1000:.0f} ms  [{', '.join(outcomes)}]")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probes", type=int, default=525_600, help="minute probes of one service")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="civic-bench-incidents-") as tmp:
        started = time.perf_counter()
        runtime = build(Path(tmp), args.probes, args.incidents, now)
        print(f"built {args.probes:,} probe minutes and {args.incidents:,} incidents in "
              f"{time.perf_counter() - started:.1f} s (SQLite, {tmp})")
        year_start = now - args.probes * MINUTE
        session: Session = runtime.factory()
        try:
            count_sql = text("SELECT outcome, COUNT(*) FROM probe_results WHERE service = :s AND at >= :a AND at < :b "
                             "GROUP BY outcome")
            bounds = {"s": SERVICE.value, "a": _stamp(year_start), "b": _stamp(now)}
            ours, figures = timed(args.runs, lambda: availability(session, SERVICE, year_start, now))
            bare, counts = timed(args.runs, lambda: session.execute(count_sql, bounds).all())
            line("availability, the year", ours, bare)
            print(f"    {figures!r}\n    checks counted: {counts}")
            windowed, _ = timed(1, lambda: measure._probe_spans_windowed(session, SERVICE, year_start, now))
            line("  the windowed query (PostgreSQL's)", windowed, bare)

            attain_sql = text(
                "SELECT service, priority, COUNT(*), SUM(CASE WHEN resolved_at <= resolve_due_at THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN responded_at <= response_due_at THEN 1 ELSE 0 END) FROM incidents "
                "WHERE resolved_at >= :a AND resolved_at < :b GROUP BY service, priority")
            year_ago = now.replace(year=now.year - 1) if not (now.month == 2 and now.day == 29) else now - dt.timedelta(days=365)
            ours, rows = timed(args.runs, lambda: attainment(session, as_of=now))
            bare, _ = timed(args.runs, lambda: session.execute(attain_sql, {"a": _stamp(year_ago), "b": _stamp(now)}).all())
            line("attainment, 12 months", ours, bare)
            print(f"    {len(rows)} service/priority rows")  # type: ignore[arg-type]

            ninety = {"s": SERVICE.value, "a": _stamp(now - dt.timedelta(days=90)), "b": _stamp(now)}
            ours, _ = timed(args.runs, lambda: service_status(session, SERVICE, now))
            bare, _ = timed(args.runs, lambda: session.execute(count_sql, ninety).all())
            line("status page (90 days by day)", ours, bare)
        finally:
            session.close()
        runtime.engine.dispose()
        probe_round(Path(tmp), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
