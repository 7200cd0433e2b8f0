"""Benchmark: the Cabinet Office return and the timeliness report over 1,000,000 cases, beside the bare SQL.

Builds a database the way a deployment does (``shared.migrations.upgrade``), loads the demo data
(``backoffice.admin.demo.load_demo_data``: the built-in case types and their teams), then bulk-inserts
the cases straight into the database (``executemany`` in large transactions on SQLite, ``COPY`` on
PostgreSQL; the ORM would take an hour):

- received over the last eight years, ids rising with the received date; mostly FOI and EIR requests,
  some subject access requests, complaints and enquiries; each in its type's responsible team, due
  28 calendar days (about 20 working days) after receipt;
- most closed with an outcome of the type (``closure_outcomes``) and a response date, about 10 % of
  the answers late; lapsed outcomes (withdrawn, fee or clarification not received) closed unanswered;
  withheld outcomes with one to three exemptions (or EIR exceptions) as JSON list text; the newest cases
  mostly open and about 1 % of older ones still open;
- about 5 % with an ``extended`` clock event, the due date moved by 20 working days.

Then it measures, median of ``--runs`` runs (after one warm-up), ``run_report`` (the code the reporting
pages call) for the Cabinet Office return and for timeliness over the last full quarter and over a
custom period covering all eight years, each beside the bare SQL those figures need, run on a raw
driver connection in the same process: GROUP BY the type (or team, or month), the outcome and the
closed / answered / in time / extended flags, plus a ``json_each`` (``json_array_elements_text``)
GROUP BY for the exemption counts. Targets: each report under 10 s and under 3x its bare SQL. The
case list export of every case as CSV (``backoffice/reporting/case_export.py``) is written in a process of
its own to a sink that keeps nothing: its peak resident memory growth (target: flat, under 50 MB).

    PYTHONPATH=. .venv/bin/python bench/reports.py                          # 1,000,000 cases, SQLite
    PYTHONPATH=. .venv/bin/python bench/reports.py --cases 100000 --keep /tmp/rep
    PYTHONPATH=. .venv/bin/python bench/reports.py --reuse /tmp/rep --diagnose
    PYTHONPATH=. .venv/bin/python bench/reports.py --postgres postgresql://root@127.0.0.1:5432/test_h4 --cases 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select, text, true
from sqlalchemy.orm import Session

from backoffice.cases.exemptions import EIR_EXCEPTIONS, FOI_EXEMPTIONS
from backoffice.cases.models import CaseStatus, CaseType, StatusKind
from backoffice.clocks import Law
from backoffice.reporting.facts import Facts, TypeSets
from backoffice.reporting.periods import Period, last_quarter, parse_period
from backoffice.reporting.registry import Context, Report, ReportResult, TableSpec, get_report, run_report
from backoffice.reporting.tally import Measure, tally
from bench.harness import bench_settings, pg_conninfo, prepare, reset_postgres, stamp
from shared import migrations
from shared.apps import discover, import_models
from shared.runtime import Runtime

TARGET_SECONDS = 10.0
TARGET_RATIO = 3.0
TARGET_EXPORT_MB = 50.0
CHUNK = 50_000
YEARS_BACK = 8
RECENT_DAYS = 60
OPEN_SHARE_RECENT = 0.8
OPEN_SHARE_OLD = 0.01
LATE_SHARE = 0.10
EXTENDED_SHARE = 0.05
TYPE_WEIGHTS = {"foi": 60, "eir": 15, "sar": 10, "complaint": 8, "enquiry": 7}
#: How often each outcome closes a case of the information types (others: equally often).
OUTCOME_WEIGHTS = {"granted_in_full": 45, "granted_in_part": 18, "refused_in_full": 8, "not_held": 10, "ncnd": 1,
                   "cost_limit": 4, "vexatious": 1, "repeated": 1, "advice_and_assistance": 4, "withdrawn": 4,
                   "clarification_not_received": 3, "fee_not_paid": 1}
WITHHOLDING = frozenset({"granted_in_part", "refused_in_full", "ncnd"})
UNANSWERED = frozenset({"withdrawn", "clarification_not_received", "fee_not_paid", "identity_not_provided",
                        "no_response"})
#: The exemptions applied most (personal data, commercial interests, future publication...) weigh more.
FOI_KEYS = list(FOI_EXEMPTIONS)
FOI_KEY_WEIGHTS = [12 if k in ("s40", "s43") else 4 if k in ("s21", "s31", "s22", "s42") else 1 for k in FOI_KEYS]
EIR_KEYS = list(EIR_EXCEPTIONS)
EIR_KEY_WEIGHTS = [8 if k in ("r13", "r12_5_e") else 1 for k in EIR_KEYS]
BODY = "Bench Borough Council"
CASE_COLUMNS = ("id", "reference", "case_type_id", "year", "number", "requester_name", "requester_email", "subject",
                "description", "details", "channel", "received_on", "due_on", "status_id", "team_group_id",
                "priority", "outcome", "exemptions", "responded_on", "escalated", "created_at", "updated_at",
                "closed_at", "version")
EVENT_COLUMNS = ("case_id", "kind", "on", "reason", "days", "created_at")


# ---------------------------------------------------------------- building the database


@dataclass
class Seeding:
    """Filled while the cases are made: their clock events and the reference counters they leave."""

    events: list[tuple[Any, ...]]
    numbers: dict[tuple[int, int], int]


def _rows(session: Session, count: int, today: dt.date, postgres: bool, seeding: Seeding,
          seed: int = 20261203) -> Iterator[list[tuple[Any, ...]]]:
    """The cases in chunks, made as they are written (a million rows at once would be gigabytes)."""
    rng = random.Random(seed)
    types = {t.key: t for t in session.scalars(select(CaseType))}
    statuses: dict[int, list[CaseStatus]] = {}
    for status in session.scalars(select(CaseStatus).order_by(CaseStatus.position)):
        statuses.setdefault(status.case_type_id, []).append(status)
    first_id = int(session.scalar(text("SELECT coalesce(max(id), 0) FROM cases")) or 0) + 1
    numbers = seeding.numbers
    for type_id, year, last in session.execute(text("SELECT case_type_id, year, last_number FROM case_reference_counters")):
        numbers[(type_id, year)] = last
    session.close()  # no read transaction left open while the rows are written (SQLite would be locked)
    keys = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[k] for k in keys]
    outcome_keys = {t.id: [o["key"] for o in t.closure_outcomes or ()] for t in types.values()}
    outcome_weights = {i: [OUTCOME_WEIGHTS.get(k, 1) for k in ks] for i, ks in outcome_keys.items()}
    span = YEARS_BACK * 365
    ages = sorted((rng.randrange(span) for _ in range(count)), reverse=True)
    events = seeding.events
    rows: list[tuple[Any, ...]] = []
    for n, age in enumerate(ages):
        case_id = first_id + n
        case_type = types[rng.choices(keys, weights)[0]]
        received = today - dt.timedelta(days=age)
        due = received + dt.timedelta(days=28)
        created = dt.datetime.combine(received, dt.time(9, rng.randrange(60)))
        if rng.random() < EXTENDED_SHARE:
            due += dt.timedelta(days=28)
            events.append((case_id, "extended", received + dt.timedelta(days=rng.randrange(5, 27)),
                           "Public interest test", 20, stamp(created, postgres)))
        is_open = rng.random() < (OPEN_SHARE_RECENT if age < RECENT_DAYS else OPEN_SHARE_OLD)
        kinds = statuses[case_type.id]
        outcome: str | None = None
        exemptions: list[str] = []
        responded: dt.date | None = None
        closed_at: dt.datetime | None = None
        if is_open:
            status = rng.choice([s for s in kinds if s.kind != StatusKind.CLOSED])
        else:
            status = next(s for s in kinds if s.kind == StatusKind.CLOSED)
            outcome = rng.choices(outcome_keys[case_type.id], outcome_weights[case_type.id])[0]
            allowed = (due - received).days
            if outcome in UNANSWERED:
                closed_day = received + dt.timedelta(days=rng.randrange(5, 60))
            else:
                late = rng.random() < LATE_SHARE
                responded = received + dt.timedelta(
                    days=allowed + rng.randrange(1, 60) if late else rng.randrange(1, allowed + 1))
                closed_day = responded
            closed_at = dt.datetime.combine(closed_day, dt.time(16, rng.randrange(60)))
            if outcome in WITHHOLDING and case_type.key in ("foi", "eir"):
                pool, pool_weights = (FOI_KEYS, FOI_KEY_WEIGHTS) if case_type.key == "foi" else (EIR_KEYS, EIR_KEY_WEIGHTS)
                exemptions = sorted(set(rng.choices(pool, pool_weights, k=rng.choice((1, 1, 1, 2, 2, 3)))))
        numbers[(case_type.id, received.year)] = number = numbers.get((case_type.id, received.year), 0) + 1
        rows.append((
            case_id, f"{case_type.reference_prefix}-{received.year}-{number:05d}", case_type.id, received.year,
            number, f"Requester {case_id % 997}", f"requester{case_id % 997}@example.com",
            f"Request {case_id}", "Please send the records.", "{}", "email", received, due, status.id,
            case_type.responsible_group_id, "normal", outcome, json.dumps(exemptions), responded,
            False if postgres else 0, stamp(created, postgres), stamp(closed_at or created, postgres),
            None if closed_at is None else stamp(closed_at, postgres), 1))
        if len(rows) == CHUNK:
            yield rows
            rows = []
    if rows:
        yield rows


def build_sqlite(data_dir: Path, count: int, today: dt.date) -> float:
    started = time.perf_counter()
    settings = bench_settings(data_dir)
    runtime = prepare(settings)
    seeding = Seeding([], {})
    session = runtime.factory()
    chunks = _rows(session, count, today, False, seeding)
    db = sqlite3.connect(data_dir / "civic.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    case_sql = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"  # noqa: S608
    done = 0
    for rows in chunks:
        db.execute("BEGIN")
        db.executemany(case_sql, [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows])
        db.execute("COMMIT")
        done += len(rows)
        print(f"\r  seeded {done:,} of {count:,} cases ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    session.close()
    runtime.engine.dispose()
    events, numbers = seeding.events, seeding.numbers
    db.execute("BEGIN")
    db.executemany('INSERT INTO case_clock_events (case_id, kind, "on", reason, days, created_at)'
                   " VALUES (?, ?, ?, ?, ?, ?)", [(c, k, o.isoformat(), r, d, s) for c, k, o, r, d, s in events])
    db.executemany("INSERT INTO case_reference_counters (case_type_id, year, last_number) VALUES (?, ?, ?)"
                   " ON CONFLICT (case_type_id, year) DO UPDATE SET last_number = excluded.last_number",
                   [(t, y, n) for (t, y), n in numbers.items()])
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


def build_postgres(url: str, data_dir: Path, count: int, today: dt.date) -> float:
    started = time.perf_counter()
    reset_postgres(url)
    settings = bench_settings(data_dir, url)
    runtime = prepare(settings)
    seeding = Seeding([], {})
    session = runtime.factory()
    chunks = _rows(session, count, today, True, seeding)
    with psycopg.connect(pg_conninfo(url)) as conn:
        done = 0
        for rows in chunks:
            with conn.cursor() as cur, cur.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            done += len(rows)
            print(f"\r  seeded {done:,} of {count:,} cases ({time.perf_counter() - started:.0f} s)", end="", flush=True)
        print()
        session.close()
        runtime.engine.dispose()
        events, numbers = seeding.events, seeding.numbers
        with conn.cursor() as cur:
            with cur.copy('COPY case_clock_events (case_id, kind, "on", reason, days, created_at) FROM STDIN') as copy:
                for event in events:
                    copy.write_row(event)
            cur.executemany("INSERT INTO case_reference_counters (case_type_id, year, last_number) VALUES (%s, %s, %s)"
                            " ON CONFLICT (case_type_id, year) DO UPDATE SET last_number = excluded.last_number",
                            [(t, y, n) for (t, y), n in numbers.items()])
            cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        conn.commit()
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE case_clock_events")
    return time.perf_counter() - started


# ---------------------------------------------------------------- the bare SQL


@dataclass(frozen=True)
class Judging:
    """The period's bounds and judging day as plain parameters, the way the report's conditions use them."""

    start: dt.date
    end: dt.date
    as_at: dt.date
    cutoff: dt.datetime


def _flags(name: Callable[[str], str]) -> str:
    """Closed / answered / in time / extended by the judging day, as the report defines them."""
    as_at = name("as_at")
    answered = f"(responded_on IS NOT NULL AND responded_on <= {as_at})"
    return (f"(closed_at IS NOT NULL AND closed_at < {name('cutoff')}) AS closed, {answered} AS answered,"  # noqa: S608
            f" (due_on IS NULL OR ({answered} AND responded_on <= due_on) OR (NOT {answered} AND due_on >= {as_at}))"
            " AS in_time,"
            f" id IN (SELECT case_id FROM case_clock_events WHERE kind = 'extended' AND \"on\" <= {as_at})"
            " AS extended")


def bare_statements(postgres: bool, report: str, type_ids: Sequence[int]) -> list[str]:
    """The hand-written GROUP BYs a report's counts need, with named parameters for each driver.

    Built from constant fragments and integer ids only (hence the S608 waivers).
    """
    name: Callable[[str], str] = (lambda n: f"%({n})s") if postgres else (lambda n: f":{n}")
    flags = _flags(name)
    received = f"received_on BETWEEN {name('start')} AND {name('end')}"
    if report == "cabinet-office-return":
        types = ", ".join(str(i) for i in type_ids) or "NULL"
        where = f"{received} AND case_type_id IN ({types})"
        each = ("json_array_elements_text(cases.exemptions::json) AS x(value)" if postgres
                else "json_each(cases.exemptions) AS x")
        return [
            f"SELECT case_type_id, outcome, {flags}, count(*) FROM cases WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6",  # noqa: S608
            f"SELECT x.value, count(*) FROM cases, {each} WHERE {where} AND closed_at IS NOT NULL"  # noqa: S608
            f" AND closed_at < {name('cutoff')} GROUP BY x.value",
        ]
    month = "extract(year FROM received_on) * 100 + extract(month FROM received_on)" if postgres \
        else "CAST(strftime('%Y%m', received_on) AS INTEGER)"
    return [f"SELECT {group} AS g, {flags}, count(*) FROM cases WHERE {received} GROUP BY 1, 2, 3, 4, 5"  # noqa: S608
            for group in ("case_type_id", "team_group_id", month)]


def bare_params(judging: Judging, postgres: bool) -> dict[str, Any]:
    if postgres:
        return {"start": judging.start, "end": judging.end, "as_at": judging.as_at, "cutoff": judging.cutoff}
    return {"start": judging.start.isoformat(), "end": judging.end.isoformat(), "as_at": judging.as_at.isoformat(),
            "cutoff": judging.cutoff.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")}


# ---------------------------------------------------------------- measuring


@dataclass
class Line:
    label: str
    report_s: float
    bare_s: float

    @property
    def ratio(self) -> float:
        return self.report_s / self.bare_s if self.bare_s else float("inf")

    @property
    def passed(self) -> bool:
        return self.report_s < TARGET_SECONDS and self.ratio < TARGET_RATIO


def _median(runs: int, work: Callable[[], object]) -> float:
    work()  # warm the caches (and SQLAlchemy's statement cache)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


class Bare:
    """A raw driver connection running the hand-written statements."""

    def __init__(self, url: str | None, path: Path | None) -> None:
        self.postgres = url is not None
        if url is not None:
            self.pg: psycopg.Connection[Any] | None = psycopg.connect(pg_conninfo(url), autocommit=True)
            self.lite: sqlite3.Connection | None = None
        else:
            assert path is not None
            self.pg, self.lite = None, sqlite3.connect(path)

    def run(self, statements: Sequence[str], params: dict[str, Any]) -> list[list[tuple[Any, ...]]]:
        results = []
        for statement in statements:
            if self.pg is not None:
                results.append(self.pg.execute(statement, params).fetchall())  # type: ignore[call-overload]
            else:
                assert self.lite is not None
                results.append(self.lite.execute(statement, params).fetchall())
        return results

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()
        if self.lite is not None:
            self.lite.close()


def _figures(result: ReportResult, name: str) -> dict[str, Any]:
    """The return's one row, or timeliness's "By type" total row, by figure key."""
    table = result.tables[0]
    row = table.rows[-1 if name == "timeliness" else 0]
    return {column.key: cell.value for column, cell in zip(table.columns, row, strict=True)}


def _agree(figures: dict[str, Any], bare: list[list[tuple[Any, ...]]], name: str) -> str:
    """The bare SQL's basic counts beside the report's: the same cases are read and judged the same way."""
    checks: dict[str, tuple[Any, int]] = {}
    if name == "cabinet-office-return":
        grouped, exemptions = bare
        checks["received"] = (figures["received"], sum(r[-1] for r in grouped))
        checks["answered in time"] = (figures["answered_in_time"],
                                      sum(r[-1] for r in grouped if r[3] and r[4] and r[1] not in UNANSWERED))
        per_key = {str(value): int(count) for value, count in exemptions}
        checks["s40 applied"] = (figures["x_s40"], per_key.get("s40", 0))
    else:
        by_type = bare[0]
        checks["received"] = (figures["received"], sum(r[-1] for r in by_type))
        checks["answered late"] = (figures["late"], sum(r[-1] for r in by_type if r[2] and not r[3]))
        checks["extended, in time"] = (figures["extended"], sum(r[-1] for r in by_type if r[2] and r[3] and r[4]))
    shown = ", ".join(f"{k} {a:,}/{b:,}" for k, (a, b) in checks.items())
    same = all(a == b for a, b in checks.values())
    return ("bare SQL agrees (report/bare): " if same else "bare SQL DISAGREES (report/bare): ") + shown


def measure(runtime: Runtime, bare: Bare, periods: dict[str, Period], today: dt.date, runs: int) -> list[Line]:
    lines = []
    context = Context(today=today, body_name=BODY)
    with runtime.factory() as session:
        types = TypeSets.load(session)
        co_types = types.requests_under({Law.FOIA, Law.EIR})
        for name in ("cabinet-office-return", "timeliness"):
            report = get_report(name)
            for label, period in periods.items():
                result = run_report(session, report, period, context)
                facts = Facts(session, period, today, types)
                judging = Judging(period.start, period.end, facts.as_at, facts.cutoff)
                statements = bare_statements(bare.postgres, name, co_types)
                params = bare_params(judging, bare.postgres)
                report_s = _median(runs, partial(run_report, session, report, period, context))
                bare_s = _median(runs, partial(bare.run, statements, params))
                figures = _figures(result, name)
                agree = _agree(figures, bare.run(statements, params), name)
                lines.append(Line(f"{report.title}, {label} ({figures['received']:,} received)", report_s, bare_s))
                print(f"  {agree}")
                print(f"  {lines[-1].label:<64} report {report_s:7.2f} s   bare SQL {bare_s:6.2f} s"
                      f"   ratio {lines[-1].ratio:5.1f}x", flush=True)
    return lines


def _kind(measure: Measure) -> str:
    """Which family of conditions a figure is, for timing the families apart."""
    if measure.key.endswith(("_20", "_40", "_more")):
        return "bands (id IN a Python-made list)"
    if measure.key.startswith("x_") or measure.key in ("any_exemption", "only_s21"):
        return "exemptions (LIKE on the JSON text)"
    if "case_clock_events" in str(measure.where):
        return "extended (IN the clock events)"
    return "the rest (dates, outcomes)"


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def diagnose(runtime: Runtime, periods: dict[str, Period], today: dt.date) -> None:
    """Each report's tables and families of figures counted on their own over the same base, and the
    Python passes of the return's build (extension and review bands): where the time goes."""
    context = Context(today=today, body_name=BODY)
    with runtime.factory() as session:
        types = TypeSets.load(session)
        for name in ("cabinet-office-return", "timeliness"):
            report: Report = get_report(name)
            for label, period in periods.items():
                facts = Facts(session, period, today, types)
                started = time.perf_counter()
                specs = [s for s in report.build(session, facts, context) if isinstance(s, TableSpec)]
                build_s = time.perf_counter() - started
                print(f"\n{report.title}, {label}: building the figures (Python passes included) {build_s:.2f} s")
                for spec in specs:
                    measures = [f for f in spec.figures if isinstance(f, Measure)]
                    if not measures:  # a table of figures worked from other tables' (percentages, grades)
                        continue
                    count_only = [Measure("n", "", "", true())]
                    base_s = _timed(partial(tally, session, spec.base, count_only, spec.grouping))
                    all_s = _timed(partial(tally, session, spec.base, measures, spec.grouping))
                    families: dict[str, list[Measure]] = {}
                    for measure in measures:
                        families.setdefault(_kind(measure), []).append(measure)
                    shown = "; ".join(
                        f"{kind} x{len(group)} {_timed(partial(tally, session, spec.base, group, spec.grouping)):.2f} s"
                        for kind, group in families.items())
                    print(f"  table {spec.key!r}: all {len(measures)} figures {all_s:.2f} s; count(*) over the base"
                          f" {base_s:.2f} s; each family alone: {shown}", flush=True)


_EXPORT_PROBE = """
import datetime as dt, io, json, resource, sys, time
from backoffice.reporting import case_export
from backoffice.reporting.periods import parse_period
from shared import tables
from shared.apps import discover, import_models
from shared.runtime import Runtime
from shared.settings import load_settings

class Sink(io.RawIOBase):
    written = 0
    def writable(self):
        return True
    def write(self, data):
        self.written += len(data)
        return len(data)

settings = load_settings(json.loads(sys.argv[1]))
import_models(discover())
runtime = Runtime.from_settings(settings)
today = dt.date.fromisoformat(sys.argv[3])
period = parse_period(sys.argv[2], today)
rows = [0]
with runtime.factory() as session:
    case_export.count(session, period)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    sink = Sink()
    tables.write("csv", sink, [case_export.table(session, period, today, lambda done: rows.__setitem__(0, done))])
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows[0], "bytes": sink.written, "seconds": seconds, "growth_mb": (after - before) / 1024}))
"""


def export_memory(settings: Any, period: Period, today: dt.date) -> tuple[str, bool]:
    """The case list export of every case as CSV, written to a sink that keeps nothing, in a process of its
    own: its peak resident memory (ru_maxrss) after writing, less before, is the export's growth."""
    env = {"DATABASE_URL": settings.database_url, "DATA_DIR": str(settings.data_dir),
           "SECRET_KEY": settings.secret_key, "BASE_URL": settings.base_url, "APP_ENV": "development"}
    done = subprocess.run([sys.executable, "-c", _EXPORT_PROBE, json.dumps(env), period.key, today.isoformat()],
                          capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": os.getcwd()})
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}", False
    found = json.loads(done.stdout.strip().splitlines()[-1])
    passed = found["growth_mb"] < TARGET_EXPORT_MB
    return (f"{found['growth_mb']:.1f} MB growth over {found['rows']:,} rows ({found['bytes'] / 1e6:,.0f} MB of CSV "
            f"in {found['seconds']:.0f} s, {found['rows'] / max(found['seconds'], 1e-9):,.0f} rows/s)  "
            + ("pass" if passed else "MISS")), passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to seed (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each, the median printed (default 3)")
    parser.add_argument("--keep", type=Path, help="build the SQLite database in this directory and keep it")
    parser.add_argument("--reuse", type=Path, help="measure the SQLite database an earlier --keep built here")
    parser.add_argument("--postgres", metavar="URL", help="seed and measure this PostgreSQL database instead "
                        "(its public schema is dropped and made again)")
    parser.add_argument("--postgres-reuse", action="store_true", help="with --postgres: measure it as it is")
    parser.add_argument("--diagnose", action="store_true", help="instead of measuring, time each report's tables "
                        "and families of figures alone over their base")
    parser.add_argument("--no-export", action="store_true", help="skip the case list export's memory measure")
    args = parser.parse_args(argv)
    today = dt.date.today()
    directory = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="civic-bench-reports-"))
    directory.mkdir(parents=True, exist_ok=True)
    where = "PostgreSQL" if args.postgres else "SQLite"
    if args.postgres and args.postgres_reuse:
        print(f"Reusing the PostgreSQL database at {args.postgres}")
    elif args.postgres:
        print(f"Seeding {args.cases:,} cases into {args.postgres} ...")
        seconds = build_postgres(args.postgres, directory, args.cases, today)
        print(f"Seeded in {seconds:.0f} s ({args.cases / seconds:,.0f} cases/s)")
    elif args.reuse:
        print(f"Reusing {directory / 'civic.db'} (seeded by an earlier --keep run)")
    else:
        print(f"Seeding {args.cases:,} cases into {directory / 'civic.db'} ...")
        seconds = build_sqlite(directory, args.cases, today)
        size = (directory / "civic.db").stat().st_size / 1e6
        print(f"Seeded in {seconds:.0f} s ({args.cases / seconds:,.0f} cases/s); database {size:,.0f} MB")
    settings = bench_settings(directory, args.postgres)
    import_models(discover())
    if args.reuse or args.postgres_reuse:
        migrations.upgrade(settings.database_url)
    runtime = Runtime.from_settings(settings)
    with runtime.engine.connect() as conn:
        total = int(conn.scalar(text("SELECT count(*) FROM cases")) or 0)
        extended = int(conn.scalar(text("SELECT count(*) FROM case_clock_events WHERE kind = 'extended'")) or 0)
    start = today - dt.timedelta(days=YEARS_BACK * 365 + 1)
    periods = {"last quarter": last_quarter(today),
               f"all {YEARS_BACK} years": parse_period(f"{start.isoformat()}..{today.isoformat()}", today)}
    print(f"{where}: {total:,} cases, {extended:,} extended; today {today}; periods: "
          + "; ".join(f"{k} = {p.key}" for k, p in periods.items()))
    if args.diagnose:
        diagnose(runtime, periods, today)
        runtime.engine.dispose()
        return 0
    print(f"Median of {args.runs} runs each (after one warm-up):")
    bare = Bare(args.postgres, None if args.postgres else directory / "civic.db")
    lines = measure(runtime, bare, periods, today, args.runs)
    bare.close()
    runtime.engine.dispose()
    export, export_passed = (("not measured (--no-export)", True) if args.no_export
                             else export_memory(settings, periods[f"all {YEARS_BACK} years"], today))
    print(f"\nSummary ({where}, {total:,} cases); targets: each report under {TARGET_SECONDS:.0f} s and under "
          f"{TARGET_RATIO:.0f}x its bare SQL; the export's peak memory flat, under {TARGET_EXPORT_MB:.0f} MB growth")
    print(f"  {'report, period':<64} {'report':>8} {'bare SQL':>9} {'ratio':>7}  target")
    for line in lines:
        print(f"  {line.label:<64} {line.report_s:7.2f}s {line.bare_s:8.2f}s {line.ratio:6.1f}x  "
              + ("pass" if line.passed else "MISS"))
    print(f"  {'1,000,000-row CSV export, peak memory growth':<64} {export}")
    if not (args.keep or args.reuse or args.postgres):
        for suffix in ("", "-wal", "-shm"):
            (directory / f"civic.db{suffix}").unlink(missing_ok=True)
    return 0 if all(line.passed for line in lines) and export_passed else 1


if __name__ == "__main__":
    sys.exit(main())
