"""The models and the migrations describe the same schema, on SQLite and PostgreSQL (whichever the run
uses), and the tests' own database is the migrations' alone: no fixture adds what a migration forgot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import sessionmaker

from shared import migrations
from shared.apps import discover, import_models
from shared.db import Base, make_engine, transaction
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from tests.conftest import ON_POSTGRES, POSTGRES_URL

import_models(discover())  # every app's tables, as `civic db upgrade` (shared/migrations/env.py) sees them
SCRATCH_SCHEMA = "migration_check"


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the run's kind: a new SQLite file, or a scratch PostgreSQL schema."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    url = load_settings({"DATABASE_URL": POSTGRES_URL, "DATA_DIR": str(tmp_path)}).database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    try:
        yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{SCRATCH_SCHEMA}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE"))
        engine.dispose()


def schema_names(conn: Connection) -> set[tuple[str, str, str]]:
    """(kind, table, name) of every table, index and trigger, from the catalogue itself (the inspector
    skips expression indexes on SQLite)."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT type, tbl_name, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        return {(kind, table, name) for kind, table, name in rows}
    tables = conn.execute(text("SELECT 'table', tablename, tablename FROM pg_tables WHERE schemaname = current_schema()"))
    indexes = conn.execute(text("SELECT 'index', tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"))
    triggers = conn.execute(text(
        "SELECT 'trigger', c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal"))
    return {(kind, table, name) for kind, table, name in [*tables, *indexes, *triggers]}


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))


def test_one_head() -> None:
    script = ScriptDirectory.from_config(migrations.config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: no table, column, type, default, index or constraint differs."""
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            diff = _diff(engine)
        finally:
            engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_model_index_is_migrated(tmp_path: Path) -> None:
    """By name, on every table: autogenerate cannot compare expression indexes on SQLite."""
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            names = {(table, name) for kind, table, name in schema_names(conn) if kind == "index"}
        engine.dispose()
    expected = {(table.name, index.name) for table in Base.metadata.tables.values() for index in table.indexes}
    assert expected <= names, f"indexes in the models but not the migrations: {sorted(expected - names)}"


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    """Every downgrade runs, leaves only Alembic's own table, and the history applies again to the same schema."""
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            upgraded = schema_names(conn)
        command.downgrade(migrations.config(url), "base")
        with engine.connect() as conn:
            assert {table for kind, table, _ in schema_names(conn) if kind == "table"} == {"alembic_version"}
        migrations.upgrade(url)
        with engine.connect() as conn:
            assert schema_names(conn) == upgraded
        engine.dispose()


def test_the_tests_database_is_the_migrations_alone(runtime: Runtime, tmp_path: Path) -> None:
    """The fixtures' schema is exactly what ``civic db upgrade`` makes, so a missing migration fails here
    and in production alike instead of being papered over by ``create_all``."""
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            migrated = schema_names(conn)
        engine.dispose()
    with runtime.engine.connect() as conn:
        assert schema_names(conn) == migrated


def test_copying_the_shares_table_keeps_what_refers_to_it(tmp_path: Path, settings: Settings) -> None:
    """0017 copies ``shares`` on SQLite (batch mode). With foreign keys on, dropping the old table would
    delete its files, history and sessions by cascade; the migrations run with them off and checked."""
    from backoffice.intake.new_cases import Requester
    from tests.backoffice.releases.conftest import Sharing
    from tests.factories import seed_office

    children = ("share_files", "share_events", "shares")
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        factory = sessionmaker(engine)
        with transaction(factory) as session:
            office = seed_office(session, factory, in_session=True)
            case = office.new_case("sar", requester=Requester(name="Sam Jones", email="sam@example.com"))
            Sharing(office, settings, case).send()

        def counts() -> dict[str, int]:
            with engine.connect() as conn:
                return {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()  # noqa: S608 - our names
                        for name in children}

        before = counts()
        assert all(before.values()), before
        command.downgrade(migrations.config(url), "0016")
        assert counts() == before
        migrations.upgrade(url)
        assert counts() == before
        engine.dispose()
