"""The models and the migrations describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shared import migrations
from shared.db import Base, make_engine


def test_one_head() -> None:
    script = ScriptDirectory.from_config(migrations.config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_and_migrations_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ON_POSTGRES, POSTGRES_URL

    if ON_POSTGRES:
        from sqlalchemy import text

        from shared.settings import load_settings

        url = load_settings({"DATABASE_URL": POSTGRES_URL, "DATA_DIR": str(tmp_path)}).database_url
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            conn.execute(text("CREATE SCHEMA migration_check"))
        url_in_schema = url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dmigration_check"
        migrations.upgrade(url_in_schema)
        check = make_engine(url_in_schema)
    else:
        url_in_schema = f"sqlite:///{tmp_path / 'm.db'}"
        migrations.upgrade(url_in_schema)
        check = make_engine(url_in_schema)
    with check.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    check.dispose()
    if ON_POSTGRES:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA migration_check CASCADE"))
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_expression_indexes_are_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate cannot compare expression indexes on SQLite, so check these by name."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:  # the inspector skips expression indexes; sqlite_master lists them all
        names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'")))
    engine.dispose()
    expected = {i.name for i in Base.metadata.tables["cases"].indexes}
    assert expected <= names, f"indexes in the models but not the migrations: {expected - names}"
