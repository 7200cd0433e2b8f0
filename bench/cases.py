"""Benchmark: the staff app's team queue, case page and search over 1,000,000 cases, on SQLite or PostgreSQL.

Builds a temporary SQLite database (or, with ``--postgres URL``, that PostgreSQL database's public schema
made again) the way a deployment does (``shared.migrations.upgrade``), loads the demo data
(``backoffice.admin.demo.load_demo_data``: the built-in case types, their teams, the four demo accounts and
six cases), adds 150 more caseworkers, then bulk-inserts the cases straight into the database
(``bench.harness.BulkWriter``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL; the ORM would take an hour):

- case types weighted as a council sees them (FOI and enquiries most, compliments least); each case in
  its type's responsible team; received over the last eight years, so most are closed (with closed
  status, outcome and closing time) and about 5% are open, spread over the type's open and in-progress
  statuses, owned by a caseworker or waiting in the team queue; due dates 20 working days (about 28
  calendar days) after receipt, so some open cases are overdue;
- 300 requesters (a few thousand cases each), subjects and descriptions made from word lists;
- each case's automatic tasks (as ``create_case`` makes them) and its "case.created" audit entry, so the
  case page's tasks and timeline queries run over tables of realistic size too.

Then it measures, **in process** through the real ASGI suite (``shared.serve.create_suite``, the app
``civic serve`` runs, without its worker) with ``httpx.AsyncClient(transport=httpx.ASGITransport(app))``,
signed in through the sign-in form as the demo caseworker (a member of every team):

- the team queue (``/backoffice/cases/team``),
- a case page (a different open case each request),
- search by requester email and by a word in the subject (``/backoffice/cases?q=...``),

each beside the bare SQL it needs, measured in the same run: every SELECT the page issued (captured from
the engine during a request) is replayed directly on a raw driver connection (sqlite3 or psycopg) with the
same parameters, both "all of the page's SELECTs" and "the main query" (the list and its count, or the
case lookup). p50 and p95 over ``--requests`` requests each; the target is every page's p95 under 100 ms
and under 4x the p95 of all its SELECTs replayed bare.

    PYTHONPATH=. .venv/bin/python bench/cases.py                 # 1,000,000 cases
    PYTHONPATH=. .venv/bin/python bench/cases.py --cases 100000 --requests 100 --keep /tmp/bc
    PYTHONPATH=. .venv/bin/python bench/cases.py --explain       # also print each main query's plan
    PYTHONPATH=. .venv/bin/python bench/cases.py --postgres postgresql://root@127.0.0.1:5432/perf
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection

from backoffice.admin.demo import DEMO_PASSWORD
from backoffice.cases.models import CaseStatus, CaseType, StatusKind, TaskTemplate
from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.groups import Group
from bench.harness import (
    BASE_URL,
    CSRF,
    BulkWriter,
    bench_settings,
    percentile,
    pg_conninfo,
    prepare,
    reset_postgres,
    stamp,
)
from shared import migrations
from shared.apps import discover, import_models
from shared.db import transaction
from shared.runtime import Runtime
from shared.serve import create_suite

TARGET_P95_MS = 100.0
TARGET_RATIO = 4.0
CHUNK = 50_000
YEARS_BACK = 8
OPEN_SHARE_OLD = 0.01  # cases older than the recent window still open (overdue, stuck)
RECENT_DAYS = 60  # cases received in the last RECENT_DAYS are mostly open
EXTRA_CASEWORKERS = 150
REQUESTERS = 300
CASEWORKER = "caseworker@example.gov.uk"
TYPE_WEIGHTS = {"foi": 35, "eir": 5, "sar": 10, "complaint": 15, "enquiry": 30, "compliment": 5}
FIRST = ("Sam", "Priya", "Tom", "Alex", "Jo", "Lee", "Kim", "Chris", "Morgan", "Robin", "Aisha", "Dev", "Ewan",
         "Fatima", "Grace", "Hamza", "Isla", "Jack", "Kofi", "Lena", "Mei", "Niamh", "Owen", "Ravi", "Sian")
LAST = ("Jones", "Shah", "Green", "Morgan", "Smith", "Brown", "Lee", "Taylor", "Patel", "Evans", "Khan", "Hughes",
        "Wilson", "Davies", "Roberts", "Walker", "Wright", "Thompson", "White", "Edwards", "Ali", "Clarke")
TOPICS = ("road", "resurfacing", "contracts", "parking", "permit", "library", "budget", "recycling", "bins",
          "collection", "housing", "repairs", "planning", "application", "council", "tax", "school", "transport",
          "bus", "timetable", "streetlight", "pothole", "licence", "grant", "funding", "air", "quality", "noise",
          "complaint", "allotment", "cemetery", "leisure", "centre", "swimming", "pool", "park", "playground",
          "tree", "flooding", "drainage", "highways", "footpath", "cycle", "lane", "consultation", "minutes",
          "meeting", "procurement", "invoice", "salary", "staff", "agency", "spending", "policy", "fleet",
          "vehicles", "electric", "charging", "energy", "heating", "asbestos", "fire", "safety", "inspection",
          "food", "hygiene", "rating", "taxi", "market", "events", "festival", "graffiti", "fly-tipping", "dog",
          "fouling", "wardens", "cctv", "cameras", "speeding", "signage", "gritting", "snow", "bridge",
          "closure", "roadworks", "waste", "contract", "enforcement", "notices", "fines", "appeals", "benefits")
FILLER = ("please", "send", "copies", "of", "all", "the", "records", "about", "for", "since", "and", "any",
          "correspondence", "reports", "held", "by", "your", "department", "in", "relation", "to", "between")


# ---------------------------------------------------------------- building the database


@dataclass
class Seeded:
    url: str
    data_dir: Path
    postgres: bool
    cases: int
    seconds: float
    caseworker_id: int
    requester_email: str
    subject_word: str
    open_references: list[str] = field(default_factory=list)


def reuse(data_dir: Path, url: str | None = None) -> Seeded:
    """A database an earlier run built and kept: add any index made since, and find what to ask for."""
    settings = bench_settings(data_dir, url)
    import_models(discover())
    migrations.upgrade(settings.database_url)  # an older kept database gains what the migrations added since
    runtime = Runtime.from_settings(settings)
    with runtime.engine.connect() as conn:
        count = int(conn.scalar(text("SELECT count(*) FROM cases")) or 0)
        caseworker_id = int(conn.scalar(text("SELECT id FROM staff_users WHERE email = :e"), {"e": CASEWORKER}) or 0)
        refs = [str(r) for r in conn.scalars(text("SELECT reference FROM cases WHERE closed_at IS NULL"))]
    runtime.engine.dispose()
    first, last = FIRST[7 % len(FIRST)], LAST[(7 * 7) % len(LAST)]
    return Seeded(url=settings.database_url, data_dir=data_dir, postgres=url is not None, cases=count, seconds=0.0,
                  caseworker_id=caseworker_id, requester_email=f"{first.lower()}.{last.lower()}.7@example.com",
                  subject_word="streetlight", open_references=refs)


def _words(rng: random.Random, topics: int, filler: int) -> list[str]:
    chosen = rng.sample(TOPICS, topics) + rng.sample(FILLER, filler)
    rng.shuffle(chosen)
    return chosen


STAFF = ("id", "email", "name", "role", "password_hash", "active", "failed_sign_ins", "session_generation",
         "created_at")
MEMBERS = ("group_id", "user_id")
CASES = ("id", "reference", "case_type_id", "year", "number", "requester_name", "requester_email", "requester_phone",
         "requester_address", "subject", "description", "details", "channel", "received_on", "due_on", "status_id",
         "team_group_id", "owner_id", "priority", "outcome", "exemptions", "escalated", "created_at", "updated_at",
         "closed_at", "version")
TASKS = ("case_id", "title", "description", "group_id", "assignee_id", "due_on", "status", "created_at",
         "finished_at", "finished_by")
AUDIT = ("occurred_at", "actor_type", "actor_id", "actor_label", "action", "object_type", "object_id", "summary",
         "detail", "ip", "request_id")


def build(data_dir: Path, count: int, url: str | None = None, seed: int = 20260205) -> Seeded:
    started = time.perf_counter()
    if url:
        reset_postgres(url)
    settings = bench_settings(data_dir, url)
    runtime = prepare(settings)
    postgres = url is not None
    with transaction(runtime.factory) as session:
        types = {t.key: t for t in session.scalars(select(CaseType))}
        statuses: dict[int, list[CaseStatus]] = {}
        for status in session.scalars(select(CaseStatus).order_by(CaseStatus.position)):
            statuses.setdefault(status.case_type_id, []).append(status)
        templates: dict[int, list[TaskTemplate]] = {}
        for template in session.scalars(select(TaskTemplate).where(TaskTemplate.auto_create.is_(True))):
            templates.setdefault(template.case_type_id, []).append(template)
        groups = [g.id for g in session.scalars(select(Group))]
        caseworker = session.scalar(select(StaffUser).where(StaffUser.email == CASEWORKER))
        assert caseworker is not None
        caseworker_id = caseworker.id
        first_id = int(session.scalar(text("SELECT coalesce(max(id), 0) FROM cases")) or 0) + 1
        first_staff = int(session.scalar(text("SELECT coalesce(max(id), 0) FROM staff_users")) or 0) + 1
        numbers: dict[tuple[int, int], int] = {
            (t, y): n for t, y, n in session.execute(text(
                "SELECT case_type_id, year, last_number FROM case_reference_counters"))}
    runtime.engine.dispose()

    rng = random.Random(seed)
    writer = BulkWriter(url, None if postgres else data_dir / "civic.db")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    yes, no = (True, False) if postgres else (1, 0)

    # More caseworkers, each in the team of a few case types: owners spread as in a real office.
    staff_ids: dict[int, list[int]] = {g: [caseworker_id] for g in groups}
    staff_rows, member_rows = [], []
    for n in range(EXTRA_CASEWORKERS):
        staff_id = first_staff + n
        staff_rows.append((staff_id, f"caseworker{n}@example.gov.uk", f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]} {n}",
                           Role.CASEWORKER.value, None, yes, 0, 0, stamp(now, postgres)))
        group = groups[n % len(groups)]
        member_rows.append((group, staff_id))
        staff_ids[group].append(staff_id)
    writer.write({("staff_users", STAFF): staff_rows, ("group_members", MEMBERS): member_rows})

    requesters = []
    for n in range(REQUESTERS):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        requesters.append((f"{first} {last}", f"{first.lower()}.{last.lower()}.{n}@example.com"))
    keys = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[k] for k in keys]
    today = dt.date.today()
    span = YEARS_BACK * 365
    open_refs: list[str] = []
    channels = ("web form", "email", "email", "post", "phone", "api")
    # Cases arrive in date order, so ids rise with the received date (the newest, mostly open, are together).
    arrivals = sorted(((rng.randrange(RECENT_DAYS), True) if rng.random() < 0.03 else
                       (rng.randrange(RECENT_DAYS, span), False) for _ in range(count)), reverse=True)
    case_id = first_id
    done = 0
    while done < count:
        batch = min(CHUNK, count - done)
        case_rows: list[tuple[Any, ...]] = []
        task_rows: list[tuple[Any, ...]] = []
        audit_rows: list[tuple[Any, ...]] = []
        for _ in range(batch):
            case_type = types[rng.choices(keys, weights)[0]]
            age, recent = arrivals[case_id - first_id]
            received = today - dt.timedelta(days=age)
            due = received + dt.timedelta(days=28)
            kinds = statuses[case_type.id]
            is_open = (recent and rng.random() < 0.9) or (not recent and rng.random() < OPEN_SHARE_OLD)
            team = case_type.responsible_group_id
            closed_at: dt.datetime | None
            if is_open:
                status = rng.choice([s for s in kinds if s.kind != StatusKind.CLOSED])
                owner = None if status.kind == StatusKind.OPEN or rng.random() < 0.2 else rng.choice(staff_ids[team or groups[0]])
                outcome, closed_at = None, None
            else:
                status = next(s for s in kinds if s.kind == StatusKind.CLOSED)
                owner = rng.choice(staff_ids[team or groups[0]])
                outcome = rng.choice(case_type.closure_outcomes)["key"] if case_type.closure_outcomes else None
                closed_at = dt.datetime.combine(received, dt.time(10)) + dt.timedelta(
                    days=rng.randrange(1, 40), minutes=rng.randrange(600))
            name, email = rng.choice(requesters)
            numbers[(case_type.id, received.year)] = number = numbers.get((case_type.id, received.year), 0) + 1
            reference = f"{case_type.reference_prefix}-{received.year}-{number:05d}"
            subject = " ".join(_words(rng, 2, 1)).capitalize()
            description = " ".join(_words(rng, 6, 8)).capitalize() + "."
            created = stamp(dt.datetime.combine(received, dt.time(9, rng.randrange(60))), postgres)
            closed = None if closed_at is None else stamp(closed_at, postgres)
            case_rows.append((case_id, reference, case_type.id, received.year, number, name, email, None, None,
                              subject, description, "{}", rng.choice(channels), received, due, status.id, team,
                              owner, rng.choice(("normal", "normal", "normal", "high", "urgent")), outcome, "[]",
                              no, created, closed or created, closed, 1))
            for template in templates.get(case_type.id, []):
                task_due = None if template.due_in_working_days is None else (
                    received + dt.timedelta(days=template.due_in_working_days * 7 // 5))
                task_rows.append((case_id, template.title, "", template.group_id, None, task_due,
                                  "open" if closed is None else "done", created, closed,
                                  None if closed is None else "bench"))
            audit_rows.append((created, "system", None, "bench", "case.created", "case", reference,
                               f"{case_type.name} received on {received:%-d %B %Y}", "{}", None, None))
            if is_open:
                open_refs.append(reference)
            case_id += 1
        writer.write({("cases", CASES): case_rows, ("tasks", TASKS): task_rows, ("audit_events", AUDIT): audit_rows})
        done += batch
        print(f"\r  seeded {done:,} of {count:,} cases ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    writer.set_counters(numbers)
    writer.finish(("staff_users", "cases", "tasks", "audit_events"))
    return Seeded(url=settings.database_url, data_dir=data_dir, postgres=postgres, cases=count,
                  seconds=time.perf_counter() - started, caseworker_id=caseworker_id,
                  requester_email=requesters[7][1], subject_word="streetlight", open_references=open_refs)


# ---------------------------------------------------------------- measuring


@dataclass
class Captured:
    """The SELECTs one request issued, in order, with their parameters."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    on: bool = False


def capture(runtime: Runtime) -> Captured:
    captured = Captured()

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def _record(_conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if captured.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.statements.append((statement, parameters))

    return captured


@dataclass
class Result:
    label: str
    samples: list[float]
    note: str = ""

    def line(self) -> str:
        p50, p95 = percentile(self.samples, 50), percentile(self.samples, 95)
        return f"{self.label:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({len(self.samples)}){self.note}"


class Raw:
    """A bare driver connection (sqlite3 or psycopg) replaying the page's own statements and parameters."""

    def __init__(self, seeded: Seeded) -> None:
        self.pg = psycopg.connect(pg_conninfo(seeded.url), autocommit=True) if seeded.postgres else None
        self.lite = None if seeded.postgres else sqlite3.connect(seeded.data_dir / "civic.db")

    def run(self, statement: str, parameters: Any) -> list[Any]:
        if self.pg is not None:
            return self.pg.execute(statement, parameters).fetchall()
        assert self.lite is not None
        return self.lite.execute(statement, parameters).fetchall()

    def explain(self, statement: str, parameters: Any) -> list[str]:
        if self.pg is not None:
            return [str(row[0]) for row in self.run("EXPLAIN " + statement, parameters)]
        return [str(row[-1]) for row in self.run("EXPLAIN QUERY PLAN " + statement, parameters)]

    def close(self) -> None:
        for conn in (self.pg, self.lite):
            if conn is not None:
                conn.close()


def time_sql(raw: Raw, statements: list[tuple[str, Any]], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for statement, parameters in statements:
            raw.run(statement, parameters)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


MAIN_LOOKUP = re.compile(r"cases\.reference = (\?|%\(\w+\)s)")


def is_main(statement: str) -> bool:
    """The list query and its count (FROM cases with a LIMIT or count()), or the case lookup by reference."""
    flat = " ".join(statement.split())
    return "FROM cases" in flat and ("LIMIT" in flat or "count(" in flat or bool(MAIN_LOOKUP.search(flat)))


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/backoffice/sign-in")
    token = CSRF.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    response = await client.post("/backoffice/sign-in", data={
        "csrf_token": token.group(1), "email": CASEWORKER, "password": DEMO_PASSWORD})
    assert response.status_code == 303, f"sign-in answered {response.status_code}"


@dataclass
class PageFigures:
    """One page's samples beside its bare SQL's: the verdict is p95 under the target and under the ratio."""

    label: str
    page: Result
    bare: Result
    main: Result

    @property
    def ratio(self) -> float:
        return percentile(self.page.samples, 95) / max(percentile(self.bare.samples, 95), 1e-6)

    @property
    def passed(self) -> bool:
        return percentile(self.page.samples, 95) < TARGET_P95_MS and self.ratio < TARGET_RATIO


async def measure(seeded: Seeded, requests: int, explain: bool) -> list[PageFigures]:
    settings = bench_settings(seeded.data_dir, seeded.url if seeded.postgres else None)
    specs = discover()
    import_models(specs)
    runtime = Runtime.from_settings(settings)
    app = create_suite(runtime, specs, with_worker=False)
    captured = capture(runtime)
    raw = Raw(seeded)
    rng = random.Random(7)
    pages: dict[str, Callable[[int], str]] = {
        "team queue": lambda _i: "/backoffice/cases/team",
        "case page": lambda i: "/backoffice/cases/" + seeded.open_references[i % len(seeded.open_references)],
        "search by requester email": lambda _i: "/backoffice/cases?q=" + quote(seeded.requester_email),
        "search by a word in the subject": lambda _i: "/backoffice/cases?q=" + quote(seeded.subject_word),
    }
    rng.shuffle(seeded.open_references)
    results: list[PageFigures] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await sign_in(client)
        for label, path_of in pages.items():
            for i in range(5):  # warm the caches and compile the templates
                assert (await client.get(path_of(i))).status_code == 200, path_of(i)
            captured.statements.clear()
            captured.on = True
            response = await client.get(path_of(0))
            captured.on = False
            assert response.status_code == 200
            statements = list(captured.statements)
            samples = []
            for i in range(requests):
                started = time.perf_counter()
                response = await client.get(path_of(i))
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, f"{label}: HTTP {response.status_code}"
            count = re.search(r'id="case-count">\s*([^<]+)<', response.text)
            note = f"  [{count.group(1).strip()}]" if count else ""
            main = [s for s in statements if is_main(s[0])]
            results.append(PageFigures(
                label, Result(f"page: {label}", samples, note),
                Result(f"  bare SQL: all {len(statements)} SELECTs of the page", time_sql(raw, statements, requests)),
                Result(f"  bare SQL: the main {len(main)} (list + count / case lookup)", time_sql(raw, main, requests))))
            if explain:
                for statement, parameters in main:
                    print(f"\n-- {label}\n{' '.join(statement.split())}\n   {parameters}")
                    for line in raw.explain(statement, parameters):
                        print("   ", line)
    raw.close()
    runtime.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to seed (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--explain", action="store_true", help="print each main query's plan")
    parser.add_argument("--keep", type=Path, help="build the SQLite database in this directory and keep it; "
                        "if it already holds one, measure that one instead of seeding again")
    parser.add_argument("--postgres", metavar="URL", help="seed and measure this PostgreSQL database instead "
                        "(its public schema is dropped and made again)")
    parser.add_argument("--postgres-reuse", action="store_true", help="with --postgres: measure it as it is")
    args = parser.parse_args(argv)
    directory = args.keep or Path(tempfile.mkdtemp(prefix="civic-bench-cases-"))
    directory.mkdir(parents=True, exist_ok=True)
    where = "PostgreSQL" if args.postgres else "SQLite"
    if args.postgres and args.postgres_reuse:
        print(f"Reusing the PostgreSQL database at {args.postgres}")
        seeded = reuse(directory, args.postgres)
    elif args.postgres:
        print(f"Seeding {args.cases:,} cases into {args.postgres} ...")
        seeded = build(directory, args.cases, args.postgres)
    elif args.keep and (directory / "civic.db").exists():
        print(f"Reusing {directory / 'civic.db'} (seeded by an earlier run)")
        seeded = reuse(directory)
    else:
        print(f"Seeding {args.cases:,} cases into {directory / 'civic.db'} ...")
        seeded = build(directory, args.cases)
    size = "" if args.postgres else f"; database {(directory / 'civic.db').stat().st_size / 1e6:,.0f} MB"
    timing = f" in {seeded.seconds:.1f} s ({seeded.cases / seeded.seconds:,.0f} cases/s)" if seeded.seconds else ""
    print(f"Seeded {seeded.cases:,} cases ({len(seeded.open_references):,} open){timing}{size}")
    print(f"Measuring in process through the ASGI suite on {where}, signed in as {CASEWORKER} (in every team); "
          f"search for {seeded.requester_email!r} and {seeded.subject_word!r}")
    results = asyncio.run(measure(seeded, args.requests, args.explain))
    print()
    for figures in results:
        for result in (figures.page, figures.bare, figures.main):
            print(result.line())
    print(f"\nSummary ({where}, {seeded.cases:,} cases); target: every page p95 under {TARGET_P95_MS:.0f} ms and "
          f"under {TARGET_RATIO:.0f}x the p95 of all its SELECTs replayed bare")
    for figures in results:
        print(f"  {figures.label:<36} p95 {percentile(figures.page.samples, 95):7.1f} ms   bare "
              f"{percentile(figures.bare.samples, 95):6.1f} ms   {figures.ratio:5.1f}x  "
              + ("pass" if figures.passed else "MISS"))
    if not (args.keep or args.postgres):
        for suffix in ("", "-wal", "-shm"):
            (directory / f"civic.db{suffix}").unlink(missing_ok=True)
    return 0 if all(f.passed for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
