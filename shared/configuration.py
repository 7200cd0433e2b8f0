"""What every request reads of the configuration, kept in each process until an administrator changes it.

Case types, their forms, the body's nation and the notification settings change a few times a year,
yet every public page read them all again: about a third of a form submission's time. A process keeps
what it computed from them under the database's configuration token. A flush (or a bulk statement)
that touches a watched table writes a new random token in the same transaction, so every process sees
the change at its next transaction, and a change rolled back leaves a token that never becomes current:
a counter could come round to a number a rolled-back transaction had used, a random token cannot.

The token is read once per transaction, before anything is computed from it, so a value is never
older than its token. Writes that go round the ORM (raw SQL, a migration) do not change the token;
restart the service after one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import Connection, String, Table, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, UOWTransaction, mapped_column

from shared.db import Base, is_postgres

T = TypeVar("T")


class ConfigurationVersion(Base):
    """One row: the token of the configuration as last changed."""

    __tablename__ = "configuration_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def new_token() -> str:
    return secrets.token_hex(16)


@event.listens_for(ConfigurationVersion.__table__, "after_create")
def _seed(_table: Table, connection: Connection, **_kw: Any) -> None:
    connection.execute(insert(ConfigurationVersion).values(id=1, token=new_token()))

_WATCHED: set[type[Any]] = set()
_WATCHED_TABLES: set[Table] = set()
_VALUES: dict[tuple[Any, Hashable], tuple[str, Any]] = {}
_HELD = "shared.configuration.held"


def watch(*models: type[Any]) -> None:
    """Count changes to these models' rows as configuration changes (called beside their definitions)."""
    for model in models:
        _WATCHED.add(model)
        _WATCHED_TABLES.add(model.__table__)


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s value, kept while the configuration is unchanged. It must be immutable and
    hold no ORM object, since every thread of the process shares it; a compute that raises keeps nothing."""
    if _pending_change(session):
        if not session.autoflush:
            return compute()
        session.flush()  # as a query would autoflush: the change is then seen, under its new token
    token = _token(session)
    if token is None:
        return compute()
    place = (session.get_bind().engine.url, key)  # a process may hold two databases (the tests do)
    held = _VALUES.get(place)
    if held is not None and held[0] == token:
        return held[1]  # type: ignore[no-any-return]
    value = compute()
    _VALUES[place] = (token, value)
    return value


def _token(session: Session) -> str | None:
    if _HELD not in session.info:
        session.info[_HELD] = session.scalar(select(ConfigurationVersion.token).where(ConfigurationVersion.id == 1))
    token = session.info[_HELD]
    return str(token) if token else None


def _changed(session: Session) -> None:
    """Write a new token in the changing transaction; this session reads by it from now on."""
    token = new_token()
    upsert = postgresql.insert if is_postgres(session) else sqlite.insert
    session.connection().execute(upsert(ConfigurationVersion).values(id=1, token=token).on_conflict_do_update(
        index_elements=[ConfigurationVersion.id], set_={"token": token}))  # the row may have been emptied away
    session.info[_HELD] = token


def _pending_change(session: Session) -> bool:
    return bool(_WATCHED) and any(type(o) in _WATCHED for o in chain(session.new, session.dirty, session.deleted))


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    if _pending_change(session):
        _changed(session)


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state: ORMExecuteState) -> None:
    if not state.is_select and getattr(state.statement, "table", None) in _WATCHED_TABLES:
        _changed(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget_token(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a savepoint released keeps the transaction's token
        session.info.pop(_HELD, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_token_undone(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_HELD, None)  # a savepoint rolled back may have undone a change, and its token
