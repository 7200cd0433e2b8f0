"""Fixtures on real parts: a migrated database (SQLite, or PostgreSQL when DATABASE_URL says so),
a runtime per test, apps under test, and the page checker every page test uses.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from shared import migrations
from shared.apps import AppSpec, discover, import_models
from shared.db import make_engine
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from tests.pages import PageChecker

pytest_plugins = ["tests.smtp_fixture", "tests.clamd_fixture"]

SPECS = discover()
import_models(SPECS)

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql"))


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if ON_POSTGRES else 'SQLite (temporary files)'}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run; every test then starts from this schema: the migrations' alone, as
    ``civic db upgrade`` makes it (a table the models declare and no migration makes is missing here too)."""
    if ON_POSTGRES:
        url = load_settings({"DATABASE_URL": POSTGRES_URL, "DATA_DIR": str(tmp_path_factory.mktemp("pg"))}).database_url
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrations.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return str(path)


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


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
