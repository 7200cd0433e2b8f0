"""What the benchmarks share: a throwaway database, a suite seeded the way a deployment is, bulk writers
for SQLite and PostgreSQL, a server's helpers and percentiles, so each script holds only what it measures.

Scripts run as ``PYTHONPATH=. .venv/bin/python bench/NAME.py`` and import this as ``bench.harness``."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa

from backoffice.admin.demo import load_demo_data
from shared import migrations
from shared.apps import discover, import_models
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
BASE_URL = "http://bench.invalid"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FILE_LINK = re.compile(r'/documents/(\d+)"')
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


# ---------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank on the sorted samples (NaN for none), the same in every script so figures compare."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# ---------------------------------------------------------------- a server and its command line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def civic(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "shared.cli", *args], cwd=REPO, env=env, check=True, capture_output=True)


@contextlib.contextmanager
def scratch_database(kind: str, data: Path, admin_url: str, name: str) -> Iterator[str]:
    """A database that lives for one run: a file in ``data`` for SQLite; for PostgreSQL one made beside
    ``admin_url``'s and dropped afterwards (with its connections), so a run never meets another's rows."""
    if kind == "sqlite":
        yield f"sqlite:///{data / 'civic.db'}"
        return
    admin = sa.create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def share_sign_in(base: str, token: str, email: str) -> tuple[str, list[str]]:
    """Through a Secure Share link as its requester: the session cookie and the document links."""
    with httpx.Client(base_url=base, headers={"User-Agent": FIREFOX}, timeout=30) as client:
        page = client.get(f"/secure-share/s/{token}")
        csrf = CSRF.search(page.text)
        assert csrf, page.text[:500]
        documents = client.post(f"/secure-share/s/{token}", data={"csrf_token": csrf.group(1), "email": email},
                                follow_redirects=True)
        assert "Your documents" in documents.text, documents.text[:500]
        cookie = client.cookies.get("civic_share_session")
        assert cookie
        return cookie, FILE_LINK.findall(documents.text)


# ---------------------------------------------------------------- a seeded suite in process


def bench_settings(data_dir: Path, url: str | None = None) -> Any:
    return load_settings({
        "DATABASE_URL": url or f"sqlite:///{data_dir / 'civic.db'}",
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "BASE_URL": BASE_URL,
        "APP_ENV": "development",
    })


def prepare(settings: Any) -> Runtime:
    """Migrated as a deployment is, with the demo data (case types, teams, demo accounts) loaded."""
    migrations.upgrade(settings.database_url)
    import_models(discover())
    runtime = Runtime.from_settings(settings)
    with transaction(runtime.factory) as session:
        load_demo_data(session, settings)
    return runtime


def pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def reset_postgres(url: str) -> None:
    """An empty public schema, so a seeded run starts from the migrations alone."""
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def stamp(moment: dt.datetime, postgres: bool) -> Any:
    """An instant as each database is written to: SQLite text as SQLAlchemy stores it, PostgreSQL aware."""
    return moment.replace(tzinfo=dt.UTC) if postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class BulkWriter:
    """Rows straight into the tables, a batch a transaction: ``executemany`` on SQLite (its fastest path),
    ``COPY`` on PostgreSQL. The ORM would take an hour for a million cases."""

    def __init__(self, url: str | None, path: Path | None) -> None:
        self.postgres = url is not None
        self.pg: psycopg.Connection[Any] | None = None
        self.lite: sqlite3.Connection | None = None
        if url is not None:
            self.pg = psycopg.connect(pg_conninfo(url))
            self.pg.execute("SET TIME ZONE 'UTC'")
            self.pg.commit()
        else:
            assert path is not None
            self.lite = sqlite3.connect(path, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                self.lite.execute(f"PRAGMA {pragma}")

    def write(self, batches: dict[tuple[str, Sequence[str]], Iterable[Sequence[Any]]]) -> None:
        """Each table's rows, all in one transaction (columns named; quoted where a name is reserved)."""
        if self.pg is not None:
            with self.pg.cursor() as cur:
                for (table, columns), rows in batches.items():
                    names = ", ".join(f'"{c}"' for c in columns)
                    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            self.pg.commit()
            return
        assert self.lite is not None
        self.lite.execute("BEGIN")
        for (table, columns), rows in batches.items():
            names = ", ".join(f'"{c}"' for c in columns)
            self.lite.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                                  [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows])
        self.lite.execute("COMMIT")

    def set_counters(self, numbers: dict[tuple[int, int], int]) -> None:
        """The reference counters the seeded cases leave, so a case made afterwards takes the next number."""
        sql = ("INSERT INTO case_reference_counters (case_type_id, year, last_number) VALUES ({0}, {0}, {0})"
               " ON CONFLICT (case_type_id, year) DO UPDATE SET last_number = excluded.last_number")
        rows = [(t, y, n) for (t, y), n in numbers.items()]
        if self.pg is not None:
            self.pg.cursor().executemany(sql.format("%s"), rows)
            self.pg.commit()
        else:
            assert self.lite is not None
            self.lite.execute("BEGIN")
            self.lite.executemany(sql.format("?"), rows)
            self.lite.execute("COMMIT")

    def finish(self, tables: Sequence[str]) -> None:
        """Sequences past the ids written (PostgreSQL), the planner's statistics gathered, the WAL folded in."""
        if self.pg is not None:
            for table in tables:
                self.pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                                f" (SELECT coalesce(max(id), 1) FROM {table}))")
            self.pg.commit()
            self.pg.autocommit = True
            for table in tables:
                self.pg.execute(f"VACUUM ANALYZE {table}")
            self.pg.close()
        else:
            assert self.lite is not None
            self.lite.execute("ANALYZE")
            self.lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.lite.close()
