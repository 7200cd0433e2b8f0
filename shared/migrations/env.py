"""Alembic environment: every installed app's models, one connection, batch mode for SQLite.

SQLite changes a column by copying its table (batch mode) and dropping the old one, and with foreign keys
on, that drop deletes every row that references it (``ON DELETE CASCADE``). So migrations run as SQLite's
own procedure for schema changes says: foreign keys off for the connection (outside any transaction,
where the pragma has effect), ``PRAGMA foreign_key_check`` before the commit, and back on after.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool, text

from shared.apps import discover, import_models
from shared.db import Base, make_engine

import_models(discover())
target_metadata = Base.metadata
config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    """Set on the driver's connection: through SQLAlchemy the statement would begin a transaction first."""
    conn.connection.driver_connection.execute(f"PRAGMA foreign_keys={int(on)}")  # type: ignore[union-attr]


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(conn, on=False)
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(conn)
        conn.commit()
        if sqlite:
            _sqlite_foreign_keys(conn, on=True)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
