"""The one SQLAlchemy engine, declarative base and session factory.

Every app's models subclass :class:`Base`, so a single metadata (and a single
Alembic history) covers the suite. Constraint names follow a convention so that
migrations name things the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
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
        event.listen(engine.pool, "close", _close_queue_file)
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
    reading = bool(conn.get_execution_options().get(READ_ONLY))
    if conn.info.get(READ_ONLY, False) != reading:
        conn.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
        conn.info[READ_ONLY] = reading
    if reading:
        conn.exec_driver_sql("BEGIN")
    else:
        _begin_immediate(conn)


def _begin_immediate(conn: Connection) -> None:
    """Queue for the write lock on a lock file first, then take it in SQLite.

    SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries, so
    a writer that just missed the lock waits tens of milliseconds, and one in
    another process can keep missing it; polling from Python instead starves the
    writer that holds it of the GIL. Writers of every thread and process first
    queue on an ``flock`` beside the database, which the kernel hands on the
    moment it is released (and releases if a process dies). SQLite still does
    the locking: a second write transaction in a thread that already holds one
    skips the queue and meets SQLite's timeout, as it always did.
    """
    fd = _queue_file(conn)
    if fd is not None and not getattr(_queued_here, "held", False):
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits with the GIL released
        conn.info[_QUEUED] = fd
        _queued_here.held = True
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_queue(conn)
        raise


_QUEUED = "civic_writer_queued"
_QUEUE_FD = "civic_writer_queue_fd"
_queued_here = threading.local()


def _queue_file(conn: Connection) -> int | None:
    """This connection's own descriptor of the queue file (None for an in-memory database)."""
    fd = conn.info.get(_QUEUE_FD)
    if fd is None:
        database = conn.engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        fd = conn.info[_QUEUE_FD] = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    return int(fd)


def _leave_queue(conn: Connection) -> None:
    """On commit or rollback (SQLAlchemy signals both just before they happen)."""
    fd = conn.info.pop(_QUEUED, None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        _queued_here.held = False


def _close_queue_file(_dbapi_connection: Any, record: Any) -> None:
    fd = record.info.pop(_QUEUE_FD, None)
    if fd is not None:
        os.close(fd)


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
