"""Fixtures on real parts: a migrated database (SQLite, or PostgreSQL when DATABASE_URL says so),
a runtime per test, apps under test, and the page checker every page test uses.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from shared import migrations
from shared.apps import AppSpec, discover, import_models
from shared.configuration import new_token
from shared.db import make_engine
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from tests.pages import PageChecker
from tests.scheduling import pytest_xdist_make_scheduler  # noqa: F401 - the hook, for pytest-xdist

pytest_plugins = ["tests.smtp_fixture", "tests.clamd_fixture"]

SPECS = discover()
import_models(SPECS)

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql"))


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if ON_POSTGRES else 'SQLite (temporary files)'}"


#: Under pytest-xdist each worker has its own PostgreSQL schema (CI gives one database); a serial run uses public.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_schema(prefix: str) -> str | None:
    """``<prefix>_gw0`` for xdist worker gw0, None in a serial run (the database's public schema)."""
    return f"{prefix}_{re.sub(r'[^a-z0-9]', '', WORKER.lower())}" if WORKER else None


def postgres_test_url(url: str, schema: str | None) -> str:
    """The URL the tests use: every connection's search_path set to ``schema`` when given (unqualified names
    live there), and ``synchronous_commit=off``: a commit does not wait for its WAL to reach the disk, which
    only a crash of the server could tell apart (what is committed is visible and locked exactly as before)."""
    options = "-csynchronous_commit%3Doff" + (f"%20-csearch_path%3D{schema}" if schema else "")
    return url + ("&" if "?" in url else "?") + f"options={options}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run; every test then starts from this schema: the migrations' alone, as
    ``civic db upgrade`` makes it (a table the models declare and no migration makes is missing here too).

    On PostgreSQL a serial run uses the public schema; each xdist worker a schema of its own, dropped after."""
    if ON_POSTGRES:
        url = load_settings({"DATABASE_URL": POSTGRES_URL, "DATA_DIR": str(tmp_path_factory.mktemp("pg"))}).database_url
        schema = worker_schema("civic_test")
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {'IF EXISTS ' + schema if schema else 'public'} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema or 'public'}"))
        engine.dispose()
        migrated = postgres_test_url(url, schema)
        migrations.upgrade(migrated)
        yield migrated
        for emptier in _EMPTIERS.values():
            emptier.engine.dispose()
        if schema:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    yield str(path)


class _PostgresEmptier:
    """Empties the run's PostgreSQL schema between tests, as ``TRUNCATE <every table> RESTART IDENTITY
    CASCADE`` would, but touching only what the last test wrote: one query finds the tables that hold rows,
    those are deleted from children first, and every sequence that was used starts again. TRUNCATE makes
    new files for each of ~60 tables and their indexes at every test; this costs a few milliseconds."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        with self.engine.connect() as conn:
            reflected = MetaData()
            reflected.reflect(conn)
            # Tables whose own triggers refuse a DELETE (append-only audit trails) are truncated instead.
            self.refuse_delete = set(conn.execute(text(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgtype & 8 <> 0")).scalars())
        # Children before parents, so that no foreign key is ever left pointing at a deleted row. The
        # configuration token's row, which the migrations write, is kept and given a new token instead.
        self.tables = [t.name for t in reversed(reflected.sorted_tables)
                       if t.name not in ("alembic_version", "configuration_versions")]

    def __call__(self) -> None:
        if not self.tables:
            return
        with self.engine.begin() as conn:
            holding = {
                row[0] for row in conn.execute(text(" UNION ALL ".join(
                    f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")"  # noqa: S608 - reflected names
                    for t in self.tables)))
            }
            for table in self.tables:
                if table in holding:
                    if table in self.refuse_delete:
                        conn.execute(text(f'TRUNCATE "{table}" CASCADE'))
                    else:
                        conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - a reflected name
            conn.execute(text("INSERT INTO configuration_versions (id, token) VALUES (1, :token) "
                              "ON CONFLICT (id) DO UPDATE SET token = excluded.token"), {"token": new_token()})
            conn.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"))


_EMPTIERS: dict[str, _PostgresEmptier] = {}


def _empty_postgres(url: str) -> None:
    if url not in _EMPTIERS:
        _EMPTIERS[url] = _PostgresEmptier(url)
    _EMPTIERS[url]()


def fresh_database(template_database: str, data_dir: Path) -> str:
    """A database just migrated, for one test (or one module's world): emptied PostgreSQL, or a copy of the
    migrated SQLite template in ``data_dir``; returns its URL."""
    if ON_POSTGRES:
        _empty_postgres(template_database)
        return template_database
    shutil.copy(template_database, data_dir / "civic.db")
    return f"sqlite:///{data_dir / 'civic.db'}"


@pytest.fixture
def settings(tmp_path: Path, template_database: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = fresh_database(template_database, data_dir)
    return load_settings(
        {
            "APP_ENV": "development",  # said out loud, as `make run` and the e2e harness do
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "BASE_URL": "http://testserver",
            "ORG_NAME": "Testshire Council",
            "CLAMD_SOCKET": str(tmp_path / "no-clamd.sock"),
        }
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.from_settings(settings)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def db(runtime: Runtime) -> Iterator[Session]:
    """A session whose work is rolled back at the end (services never commit; tests needn't either).

    It runs inside one outer transaction; a ``commit()`` or ``rollback()`` in a test ends only a savepoint
    (``join_transaction_mode="create_savepoint"``), so nothing a test does outlives it."""
    with runtime.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        session.close()
        transaction.rollback()


def spec(key: str) -> AppSpec:
    return next(s for s in SPECS if s.key == key)


def starlette_app(app_spec: AppSpec | str, runtime: Runtime) -> Starlette:
    """The app an ``AppSpec`` builds, as the Starlette app it is (the spec promises only ASGI)."""
    app = (spec(app_spec) if isinstance(app_spec, str) else app_spec).create_app(runtime)
    assert isinstance(app, Starlette)
    return app


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[Callable[..., TestClient]]:
    """``app_client("capture")``: a TestClient for one app on its own, as on its own host."""
    clients: list[TestClient] = []

    def make(key: str, **kwargs: Any) -> TestClient:
        client = TestClient(spec(key).create_app(runtime), raise_server_exceptions=False, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def check_page() -> PageChecker:
    return PageChecker()


@pytest.fixture
def session_factory(runtime: Runtime) -> sessionmaker[Session]:
    """Committed sessions of their own, as the apps open per request (set-up and inspection in page tests)."""
    return runtime.factory
