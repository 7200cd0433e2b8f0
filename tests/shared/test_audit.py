"""The audit log records who did what, and nothing can change or remove an entry."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from shared import audit

ALICE = audit.Actor(type="staff", label="alice@example.gov.uk", id="7", ip="203.0.113.9", request_id="r1")


def test_record_and_history(db) -> None:
    audit.record(db, ALICE, "case.assigned", "case", "FOI-2026-00001", "Assigned to Bob", {"to": "bob"})
    audit.record(db, audit.SYSTEM, "case.escalated", "case", "FOI-2026-00001")
    audit.record(db, ALICE, "case.assigned", "case", "FOI-2026-00002")
    db.flush()
    entries = audit.history(db, "case", "FOI-2026-00001")
    assert [e.action for e in entries] == ["case.assigned", "case.escalated"]
    first = entries[0]
    assert (first.actor_type, first.actor_label, first.ip, first.request_id) == ("staff", "alice@example.gov.uk", "203.0.113.9", "r1")
    assert first.detail == {"to": "bob"} and first.occurred_at.tzinfo is not None


def test_the_orm_refuses_to_change_or_delete(db) -> None:
    entry = audit.record(db, ALICE, "x", "case", 1)
    db.flush()
    entry.action = "tampered"
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.flush()
    db.rollback()
    entry = audit.record(db, ALICE, "x", "case", 1)
    db.flush()
    db.delete(entry)
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.flush()


def test_the_database_refuses_to_change_or_delete(runtime) -> None:
    with runtime.factory() as session, session.begin():
        audit.record(session, ALICE, "x", "case", 1)
    for statement in (update(audit.AuditEvent).values(action="tampered"), delete(audit.AuditEvent)):
        with runtime.factory() as session, pytest.raises(DBAPIError, match="append-only"), session.begin():
            session.execute(statement)
    with runtime.factory() as session:
        assert session.execute(text("SELECT action FROM audit_events")).scalars().all() == ["x"]
