"""The one SQLAlchemy engine, declarative base and session factory.

Every app's models subclass :class:`Base`, so a single metadata (and a single
Alembic history) covers the suite. Constraint names follow a convention so that
migrations name things the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current instant as an aware UTC datetime: the only clock models use."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and gives them back aware.

    SQLite keeps no time zone, so without this a value read back would be naive
    and compare wrongly with ``utcnow()``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}  # noqa: RUF012 - read by SQLAlchemy at class creation


#: How long an SQLite connection waits for another's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 10


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout so the worker and web share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so
        # SELECT ... then UPDATE in one transaction is really atomic.
        event.listen(engine, "connect", lambda conn, _r: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _leave_queue)
        event.listen(engine, "rollback", _leave_queue)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


READ_ONLY = "civic_read_only"
_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _sqlite_begin(conn: Connection) -> None:
    """Writers queue for SQLite's one write lock up front; readers never take it.

    A read-only transaction (see :func:`read_only`) begins deferred and is made
    ``query_only``, so in WAL mode it neither waits for writers nor makes them
    wait, and a handler that writes by mistake fails loudly instead of racing.
    """
    read_only = bool(conn.get_execution_options().get(READ_ONLY))
    if conn.info.get(READ_ONLY, False) != read_only:
        conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
        conn.info[READ_ONLY] = read_only
    if read_only:
        conn.exec_driver_sql("BEGIN")
    else:
        _begin_immediate(conn)


def _begin_immediate(conn: Connection) -> None:
    """Queue for the write lock inside the process first, then in SQLite.

    SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries, so
    with many threads after the lock a writer that just missed it waits tens
    of milliseconds; polling from Python instead starves the writer that holds
    it of the GIL. A lock per database file and process hands over at once, and
    leaves at most one waiter per process to SQLite's handler. It is only a
    queue: SQLite still does the locking, and a writer that waits too long for
    the queue goes on to SQLite anyway rather than hang.
    """
    queue = _writer_queue(str(conn.engine.url))
    conn.info[_QUEUED] = queue.acquire(timeout=BUSY_TIMEOUT_SECONDS)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_queue(conn)
        raise


_QUEUED = "civic_writer_queued"
_queues: dict[str, threading.Lock] = {}
_queues_lock = threading.Lock()


def _writer_queue(url: str) -> threading.Lock:
    with _queues_lock:
        return _queues.setdefault(url, threading.Lock())


def _leave_queue(conn: Connection) -> None:
    """On commit or rollback (SQLAlchemy signals both just before they happen)."""
    if conn.info.pop(_QUEUED, False):
        _writer_queue(str(conn.engine.url)).release()


def read_only(session: Session) -> Session:
    """Make the session's transactions read-only (call before it has begun).

    On SQLite they then take no write lock; on PostgreSQL they are ``READ ONLY``.
    Either way a write is an error rather than a silent change. Nothing connects
    until the session is first used, so an unreachable database fails there.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    reader = _READERS.get(engine)
    if reader is None:
        options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        reader = _READERS[engine] = engine.execution_options(**options)
    session.bind = reader
    return session


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work outside a request (CLI, worker): commit on success, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"
