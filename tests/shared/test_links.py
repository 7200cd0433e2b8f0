"""Single-use emailed links: found without being used, used once, newest wins, and the migration keeps them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from shared import links, migrations
from shared.db import make_engine, utcnow
from shared.links import EmailLink, LinkInvalid, Problem
from shared.settings import load_settings

PURPOSE = "tests.confirm"


def _problem(session: Session, token: str, purpose: str = PURPOSE) -> Problem:
    with pytest.raises(LinkInvalid) as caught:
        links.find(session, purpose, token)
    return caught.value.problem


def test_a_token_has_256_bits_and_only_its_digest_is_stored(db: Session) -> None:
    token = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    stored = db.scalars(select(EmailLink)).one()
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert stored.token_hash == links.digest(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == links.LINK_LIFETIME


def test_finding_a_link_does_not_use_it_and_using_it_works_once(db: Session) -> None:
    token = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    assert links.find(db, PURPOSE, token).email == "sam@example.com"
    assert links.find(db, PURPOSE, token).used_at is None
    used = links.use(db, PURPOSE, token)
    assert used.used_at is not None and used.subject == "draft:1"
    assert _problem(db, token) is Problem.USED
    with pytest.raises(LinkInvalid):
        links.use(db, PURPOSE, token)


def test_unknown_forged_overlong_and_other_purposes_tokens_are_unknown(db: Session) -> None:
    token = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    assert _problem(db, "") is Problem.UNKNOWN
    assert _problem(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is Problem.UNKNOWN
    assert _problem(db, "x" * (links.TOKEN_MAX + 1)) is Problem.UNKNOWN
    assert _problem(db, token, purpose="tests.other") is Problem.UNKNOWN


def test_a_newer_link_for_the_subject_replaces_the_older(db: Session) -> None:
    first = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    other_subject = links.issue(db, PURPOSE, "draft:2", "sam@example.com")
    second = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    assert _problem(db, first) is Problem.REPLACED
    assert links.find(db, PURPOSE, second) and links.find(db, PURPOSE, other_subject)


def test_per_address_links_replace_only_those_to_the_same_address(db: Session) -> None:
    sam = links.issue(db, PURPOSE, "case:FOI-2026-00001", "sam@example.com", per_address=True)
    alex = links.issue(db, PURPOSE, "case:FOI-2026-00001", "alex@example.com", per_address=True)
    sam_again = links.issue(db, PURPOSE, "case:FOI-2026-00001", "sam@example.com", per_address=True)
    assert _problem(db, sam) is Problem.REPLACED
    assert links.find(db, PURPOSE, alex).email == "alex@example.com"
    assert links.find(db, PURPOSE, sam_again).email == "sam@example.com"


def test_revoking_a_subject_stops_its_unused_links(db: Session) -> None:
    token = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    kept = links.issue(db, PURPOSE, "draft:2", "sam@example.com")
    links.revoke(db, PURPOSE, "draft:1")
    assert _problem(db, token) is Problem.REPLACED
    assert links.find(db, PURPOSE, kept)


def test_an_expired_link_says_so_until_it_is_deleted(db: Session) -> None:
    token = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    db.execute(update(EmailLink).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.expire_all()
    assert _problem(db, token) is Problem.EXPIRED
    links.delete_expired(db, "tests.other", utcnow())
    assert _problem(db, token) is Problem.EXPIRED  # another purpose's clean-up leaves it
    links.delete_expired(db, PURPOSE, utcnow())
    assert _problem(db, token) is Problem.UNKNOWN


def test_deleting_a_subjects_links(db: Session) -> None:
    gone = links.issue(db, PURPOSE, "draft:1", "sam@example.com")
    kept = links.issue(db, PURPOSE, "draft:2", "sam@example.com")
    links.delete_for(db, ["draft:1"])
    links.delete_for(db, [])
    assert _problem(db, gone) is Problem.UNKNOWN
    assert links.find(db, PURPOSE, kept)


def _empty_database(tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """An empty database to migrate step by step: a file on SQLite, a schema of its own on PostgreSQL."""
    from tests.conftest import ON_POSTGRES, POSTGRES_URL

    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'links.db'}", lambda: None
    url = load_settings({"DATABASE_URL": POSTGRES_URL, "DATA_DIR": str(tmp_path)}).database_url
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS links_migration CASCADE"))
        conn.execute(text("CREATE SCHEMA links_migration"))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA links_migration CASCADE"))
        admin.dispose()

    return url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dlinks_migration", drop


def test_the_migration_moves_capture_links_and_back(tmp_path: Path) -> None:
    """0006 moves the rows of ``capture_email_links`` (a draft's and a case's) and 0005 takes them back."""
    url, drop = _empty_database(tmp_path)
    migrations.upgrade(url, "0005")
    engine = make_engine(url)
    with engine.begin() as conn:
        times = {"now": dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), "later": dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)}
        conn.execute(text("INSERT INTO capture_drafts (id, key_hash, case_type_key, answers, created_at, updated_at) "
                          "VALUES (7, 'k', 'foi', '{}', :now, :now)"), times)
        conn.execute(text("INSERT INTO capture_email_links (token_hash, purpose, draft_id, case_reference, email, "
                          "created_at, expires_at, used_at, replaced) VALUES "
                          "('a', 'confirm', 7, NULL, 'sam@example.com', :now, :later, NULL, false), "
                          "('b', 'progress', NULL, 'FOI-2026-00012', 'sam@example.com', :now, :later, :now, true)"),
                     times)
    migrations.upgrade(url, "0006")
    with engine.connect() as conn:
        moved = conn.execute(text("SELECT token_hash, purpose, subject, email, used_at IS NOT NULL, replaced "
                                  "FROM email_links ORDER BY token_hash")).all()
    assert [tuple(row) for row in moved] == [
        ("a", "capture.confirm", "draft:7", "sam@example.com", 0, 0),
        ("b", "capture.progress", "case:FOI-2026-00012", "sam@example.com", 1, 1),
    ]
    command.downgrade(migrations.config(url), "0005")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT token_hash, purpose, draft_id, case_reference FROM capture_email_links "
                                 "ORDER BY token_hash")).all()
    engine.dispose()
    drop()
    assert [tuple(row) for row in back] == [("a", "confirm", 7, None), ("b", "progress", None, "FOI-2026-00012")]
