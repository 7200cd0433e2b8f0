"""Benchmark: one automation sweep over a large backlog of open cases on SQLite.

Seeds N open cases (default 1,000,000) into a temporary SQLite database with bulk
``executemany`` inserts: receipts spread over the last 60 days, due dates from the
type's rule (so roughly a month either side of today), 40 % unowned, a few per cent
with a stopped clock or waiting on the requester. The backlog is then put in the state a
running service keeps it in (everything already due has been reminded, and overdue cases
escalated) except ``--fresh`` items that came due since the last sweep. It then measures,
in one run:

* a full-table ``SELECT count(*) FROM cases`` (the yardstick),
* one sweep (target under 60 s), which acts on the fresh items,
* a second sweep straight after, and the rows it wrote (target zero).

    PYTHONPATH=. python bench/sweep.py --cases 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from backoffice.automation import config, plan
from backoffice.automation.config import seed_automation
from backoffice.automation.sweep import sweep
from backoffice.automation.timing import london_date
from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import CaseStatus, CaseType
from backoffice.deadlines.due_dates import calendar_of
from backoffice.organisation.bank_holidays import deadline_engine
from backoffice.staff.accounts import Role, create_user
from backoffice.staff.groups import Group, add_member
from shared import audit, migrations
from shared.apps import discover, import_models
from shared.db import make_engine, make_session_factory, utcnow
from shared.settings import Settings, load_settings

SYSTEM = audit.Actor(type="system", label="bench")
TARGET_SECONDS = 60.0
BATCH = 50_000


def _stamp(value: dt.datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@contextmanager
def rows_written(engine: Engine) -> Iterator[list[int]]:
    """Rows inserted, updated or deleted while inside: [statements, rows]."""
    counts = [0, 0]

    def after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            counts[0] += 1
            counts[1] += max(0, cursor.rowcount or 0)

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield counts
    finally:
        event.remove(engine, "after_cursor_execute", after)


def seed_configuration(session: Session) -> tuple[list[int], dict[int, list[tuple[int, str]]]]:
    seed_built_in_types(session, SYSTEM)
    users = [create_user(session, SYSTEM, email=f"staff{i}@example.gov.uk", name=f"Staff {i}",
                         role=(Role.CASEWORKER, Role.MANAGER)[i % 2], password=None) for i in range(20)]
    for group in session.scalars(select(Group)):
        for user in users:
            add_member(session, SYSTEM, group.id, user.id)
    seed_automation(session, SYSTEM)
    statuses: dict[int, list[tuple[int, str]]] = {}
    for status in session.scalars(select(CaseStatus).where(CaseStatus.kind != "closed")):
        statuses.setdefault(status.case_type_id, []).append((status.id, status.key))
    return [u.id for u in users], statuses


def seed_cases(path: Path, session: Session, n: int, user_ids: list[int],
               statuses: dict[int, list[tuple[int, str]]]) -> None:
    """Bulk rows straight through sqlite3: the ORM one by one would take the best part of an hour."""
    rng = random.Random(20260302)
    now = utcnow()
    today = london_date(now)
    engine = deadline_engine(session)
    types = list(session.scalars(select(CaseType).order_by(CaseType.id)))
    cals = {t.id: calendar_of(session, t, engine) for t in types}
    prefixes = {t.id: (t.reference_prefix, t.responsible_group_id, t.key) for t in types}
    weights = [{"foi": 40, "eir": 5, "sar": 20, "complaint": 15, "enquiry": 15, "compliment": 5}[t.key] for t in types]
    type_ids = [t.id for t in types]
    session.rollback()  # release SQLite's write lock (BEGIN IMMEDIATE) before writing through sqlite3
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA synchronous=OFF")
    numbers: dict[int, int] = {}
    cases: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    stamp = _stamp(now)
    for case_id in range(1, n + 1):
        type_id = rng.choices(type_ids, weights)[0]
        prefix, group_id, key = prefixes[type_id]
        received = today - dt.timedelta(days=rng.randrange(60))
        due: dt.date | None = cals[type_id].add_working_days(received, 20)
        status_id, status_key = statuses[type_id][0]
        entered = now - dt.timedelta(days=(today - received).days)
        if rng.random() < 0.5 and len(statuses[type_id]) > 1:
            status_id, status_key = rng.choice(statuses[type_id][1:])
            entered = now - dt.timedelta(hours=rng.randrange(20 * 24))
        if status_key == "no_response":
            status_id, status_key = statuses[type_id][0]
        if key in ("foi", "sar") and rng.random() < 0.03:  # waiting for clarification: the clock is stopped
            due = None
            events.append((case_id, "clarification_requested", (today - dt.timedelta(days=rng.randrange(85))).isoformat(),
                           stamp))
        numbers[type_id] = numbers.get(type_id, 0) + 1
        owner = rng.choice(user_ids) if rng.random() < 0.6 else None
        escalated = int(due is not None and due < today - dt.timedelta(days=7))  # the last week: still to settle
        cases.append((case_id, f"{prefix}-{received.year}-{numbers[type_id]:07d}", type_id, received.year,
                       numbers[type_id], "Requester", "requester@example.com", "Subject", "Description", "{}",
                       "email", received.isoformat(), due.isoformat() if due else None, status_id, group_id, owner,
                       "normal", "[]", escalated, stamp, stamp, 1))
        entries.append((case_id, status_id, _stamp(entered)))
        if len(cases) >= BATCH:
            _flush(raw, cases, entries, events)
    _flush(raw, cases, entries, events)
    raw.close()


def _flush(raw: sqlite3.Connection, cases: list[tuple[Any, ...]], entries: list[tuple[Any, ...]],
           events: list[tuple[Any, ...]]) -> None:
    raw.executemany(
        "INSERT INTO cases (id, reference, case_type_id, year, number, requester_name, requester_email, subject,"
        " description, details, channel, received_on, due_on, status_id, team_group_id, owner_id, priority,"
        " exemptions, escalated, created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cases)
    raw.executemany("INSERT INTO automation_status_entries (case_id, status_id, entered_at) VALUES (?,?,?)", entries)
    raw.executemany("INSERT INTO case_clock_events (case_id, kind, \"on\", created_at) VALUES (?,?,?,?)", events)
    raw.commit()
    cases.clear()
    entries.clear()
    events.clear()


def settle(path: Path, session: Session, fresh: int) -> tuple[int, int]:
    """Record everything already due as done, except ``fresh`` items: the state a running service keeps."""
    found = plan.make(session, config.load(session), utcnow())
    rng = random.Random(7)
    keep = set(rng.sample(range(len(found.items)), min(fresh, len(found.items))))
    stamp = _stamp(utcnow())
    rows = [(d.case_id, d.kind, d.target, d.slot, stamp) for i, d in enumerate(found.items) if i not in keep]
    session.rollback()
    raw = sqlite3.connect(path)
    raw.executemany("INSERT INTO automation_firings (case_id, kind, target, slot, fired_at) VALUES (?,?,?,?,?)", rows)
    # A breach already handled escalated its case; the fresh ones are still waiting for the sweep.
    raw.executemany("UPDATE cases SET escalated = 1 WHERE id = ?",
                    [(d.case_id,) for i, d in enumerate(found.items) if i not in keep and d.kind == "breach"])
    raw.commit()
    raw.close()
    return len(found.items), len(rows)


def timed(label: str, fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s")
    return seconds, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="open cases to seed (default 1,000,000)")
    parser.add_argument("--fresh", type=int, default=500, help="items due since the last sweep (default 500)")
    parser.add_argument("--db", type=Path, help="keep the database in this file (seeded only if it does not exist)")
    args = parser.parse_args()
    import_models(discover())
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        reuse = path.exists()
        settings: Settings = load_settings({"DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{path}",
                                            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
                                            "BASE_URL": "http://localhost"})
        migrations.upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        factory = make_session_factory(engine)
        if not reuse:
            with factory() as session, session.begin():
                user_ids, statuses = seed_configuration(session)
            with factory() as session:
                timed(f"seed {args.cases:,} open cases",
                      lambda: seed_cases(path, session, args.cases, user_ids, statuses))
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
                _, (due, settled) = timed("settle (plan, then record all but the fresh items as done)",
                                          lambda: settle(path, session, args.fresh))
            print(f"  {due:,} items due in total; {settled:,} recorded as already done, {due - settled:,} fresh")
        with engine.connect() as conn:
            count_seconds, count = timed("SELECT count(*) FROM cases",
                                         lambda: conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        print(f"  {count:,} cases")
        runs = []
        for label in ("sweep 1 (acts on the fresh items)", "sweep 2 (nothing due)"):
            with rows_written(engine) as written, factory() as session, session.begin():
                seconds, result = timed(label, lambda s=session: sweep(s, settings))
            runs.append((seconds, result, list(written)))
            print(f"  actions {dict(result.done)}; {written[0]} write statements, {written[1]} rows written")
        print()
        print(f"cases: {count:,}; full-table count(*): {count_seconds:.2f} s")
        print(f"sweep 1: {runs[0][0]:.2f} s, {runs[0][1].total} actions, {runs[0][2][1]} rows written "
              f"(target < {TARGET_SECONDS:.0f} s: {'met' if runs[0][0] < TARGET_SECONDS else 'MISSED'})")
        print(f"sweep 2: {runs[1][0]:.2f} s, rows written {runs[1][2][1]} "
              f"(target 0: {'met' if runs[1][2][1] == 0 else 'MISSED'})")
        engine.dispose()


if __name__ == "__main__":
    main()
