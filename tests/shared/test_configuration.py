"""The configuration cache: kept while nothing changes, dropped by any change that commits, never by one undone."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from backoffice.notifications.options import NotificationOptions
from shared import configuration
from shared.runtime import Runtime


class Counted:
    """A compute that reads the watched row and counts how often it had to."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        row = self.session.get(NotificationOptions, 1)
        return True if row is None else row.group_emails


def read(factory: sessionmaker[Session], counted: Callable[[Session], Counted] = Counted) -> tuple[bool, int]:
    with factory() as session:
        compute = counted(session)
        value = configuration.cached(session, "test.group_emails", compute)
        return value, compute.calls


def set_group_emails(factory: sessionmaker[Session], on: bool) -> None:
    with factory.begin() as session:
        row = session.get(NotificationOptions, 1)
        if row is None:
            session.add(NotificationOptions(id=1, group_emails=on))
        else:
            row.group_emails = on


def test_kept_until_a_change_commits(runtime: Runtime) -> None:
    factory = runtime.factory
    assert read(factory)[0] is True
    assert read(factory) == (True, 0)  # the second request computes nothing
    set_group_emails(factory, False)
    assert read(factory) == (False, 1)
    assert read(factory) == (False, 0)


def test_a_change_rolled_back_leaves_the_kept_value(runtime: Runtime) -> None:
    factory = runtime.factory
    read(factory)
    with factory() as session:
        session.add(NotificationOptions(id=1, group_emails=False))
        session.flush()
        assert configuration.cached(session, "test.group_emails", Counted(session)) is False  # its own change
        session.rollback()
    assert read(factory)[0] is True  # computed again, maybe: never the change that was undone


def test_a_savepoint_rolled_back_is_not_served_from_the_cache(runtime: Runtime) -> None:
    factory = runtime.factory
    read(factory)
    with factory() as session:
        with session.begin_nested() as savepoint:
            session.add(NotificationOptions(id=1, group_emails=False))
            session.flush()
            assert configuration.cached(session, "test.group_emails", Counted(session)) is False
            savepoint.rollback()
        assert configuration.cached(session, "test.group_emails", Counted(session)) is True
        session.rollback()


def test_a_bulk_statement_is_a_change(runtime: Runtime) -> None:
    factory = runtime.factory
    set_group_emails(factory, True)
    read(factory)
    with factory.begin() as session:
        session.execute(update(NotificationOptions).values(group_emails=False))
    assert read(factory) == (False, 1)


def test_another_process_sees_the_change(runtime: Runtime) -> None:
    """A second engine on the same database stands for another process: it shares only the database."""
    other = Runtime.from_settings(runtime.settings)
    try:
        read(runtime.factory)
        set_group_emails(other.factory, False)
        assert read(runtime.factory) == (False, 1)
    finally:
        other.engine.dispose()


def test_without_the_token_row_nothing_is_kept_until_a_change_writes_one(runtime: Runtime) -> None:
    factory = runtime.factory
    with factory.begin() as session:
        session.execute(delete(configuration.ConfigurationVersion))  # as the test suite's emptier does
    assert read(factory) == (True, 1)
    assert read(factory) == (True, 1)
    set_group_emails(factory, False)
    assert read(factory) == (False, 1)
    assert read(factory) == (False, 0)


def test_a_change_not_yet_flushed_is_seen_by_its_own_transaction(runtime: Runtime) -> None:
    factory = runtime.factory
    set_group_emails(factory, True)
    read(factory)
    with factory() as session:
        assert configuration.cached(session, "test.group_emails", Counted(session)) is True
        row = session.get(NotificationOptions, 1)
        assert row is not None
        row.group_emails = False  # pending: no query has flushed it yet
        assert configuration.cached(session, "test.group_emails", Counted(session)) is False
        session.rollback()
    assert read(factory)[0] is True
