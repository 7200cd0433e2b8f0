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


# Redaction: the one change allowed, once per object, when retention destroys a case.

REQUESTER = audit.Actor(type="requester", label="sam.jones@example.com", ip="198.51.100.23", request_id="r2")
CASE = "SAR-2026-00001"


def _trail(session) -> None:
    audit.record(session, REQUESTER, "case.share_signed_in", "case", CASE, "The requester signed in",
                 {"device": "Firefox"})
    audit.record(session, ALICE, "case.documents_shared", "case", CASE,
                 "Documents sent securely to Sam.Jones@example.com: Sam Jones letter.pdf",
                 {"to": ["sam.jones@example.com"], "days": 30})
    audit.record(session, REQUESTER, "case.viewed", "case", "SAR-2026-00002", "Someone else's case")


def _text(session) -> str:
    """Everything the table holds, as text: what a search of the database would find."""
    rows = session.execute(text("SELECT * FROM audit_events ORDER BY id")).all()
    return " ".join(str(value) for row in rows for value in row)


def test_redaction_takes_the_requester_out_and_keeps_what_happened(db) -> None:
    _trail(db)
    db.flush()
    assert audit.redact(db, ALICE, "case", CASE, ["Sam Jones", "sam.jones@example.com", None, "", "x"]) == 2
    signed_in, shared, redaction = audit.history(db, "case", CASE)
    assert (signed_in.actor_type, signed_in.actor_label, signed_in.ip, signed_in.request_id) == \
        ("requester", audit.REDACTED_LABEL, None, "r2")
    assert signed_in.detail == {"device": "Firefox"} and signed_in.redacted_at is not None
    assert (shared.actor_label, shared.ip, shared.action) == (ALICE.label, ALICE.ip, "case.documents_shared")
    assert shared.summary == "Documents sent securely to [redacted]: [redacted] letter.pdf"
    assert shared.detail == {"to": ["[redacted]"], "days": 30}
    assert (redaction.action, redaction.actor_label, redaction.redacted_at) == ("audit.redacted", ALICE.label, None)
    db.expire_all()  # what the database holds, not what the session remembers
    other = audit.history(db, "case", "SAR-2026-00002")[0]
    assert other.actor_label == "sam.jones@example.com" and other.redacted_at is None  # another object: untouched
    assert "198.51.100.23" in _text(db)
    mine = " ".join(f"{e.actor_label} {e.ip} {e.summary} {e.detail}" for e in audit.history(db, "case", CASE))
    assert "sam" not in mine.lower() and "198.51.100.23" not in mine


def test_only_whole_values_are_taken_out(db) -> None:
    audit.record(db, ALICE, "case.note_added", "case", CASE, "Planning for Ann; ann@example.com asked",
                 {"to_status": "Planning", "count": 3})
    db.flush()
    audit.redact(db, ALICE, "case", CASE, ["Ann", "ann@example.com"])
    entry = audit.history(db, "case", CASE)[0]
    assert (entry.summary, entry.detail) == ("Planning for [redacted]; [redacted] asked", {"to_status": "Planning", "count": 3})


def test_a_second_redaction_and_changing_a_redacted_entry_are_refused(db) -> None:
    _trail(db)
    db.flush()
    audit.redact(db, ALICE, "case", CASE, ["sam.jones@example.com"])
    with pytest.raises(audit.AlreadyRedacted):
        audit.redact(db, ALICE, "case", CASE, ["Sam Jones"])
    entry = audit.history(db, "case", CASE)[0]
    entry.summary = "tampered"
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.flush()


def test_the_orm_refuses_a_redaction_made_by_hand(db) -> None:
    """Only :func:`audit.redact` redacts: stamping ``redacted_at`` oneself is still a change."""
    entry = audit.record(db, REQUESTER, "x", "case", CASE)
    db.flush()
    entry.actor_label, entry.ip, entry.redacted_at = audit.REDACTED_LABEL, None, entry.occurred_at
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.flush()


def _refused(runtime, statement: str) -> None:
    with runtime.factory() as session, pytest.raises(DBAPIError, match="append-only"), session.begin():
        session.execute(text(statement))


def test_the_database_allows_only_a_first_redaction(runtime) -> None:
    """Raw SQL, past the ORM: the triggers refuse every other UPDATE and every DELETE.

    SAR-2026-00001 has one staff entry and one requester entry (id 1); the other case's entry is never touched."""
    with runtime.factory() as session, session.begin():
        _trail(session)
    staff = "WHERE actor_type = 'staff'"
    mine = "WHERE actor_type = 'requester' AND object_id = 'SAR-2026-00001'"
    for assignments, where in (
        ("summary = 'tampered'", staff),  # not a redaction
        ("actor_label = 'bob', redacted_at = CURRENT_TIMESTAMP", staff),  # staff keep their name
        ("ip = NULL, redacted_at = CURRENT_TIMESTAMP", staff),  # and their address
        ("action = 'x', redacted_at = CURRENT_TIMESTAMP", staff),  # what happened
        ("occurred_at = CURRENT_TIMESTAMP, redacted_at = CURRENT_TIMESTAMP", staff),  # when
        ("object_id = 'other', redacted_at = CURRENT_TIMESTAMP", staff),  # to what
        ("actor_type = 'system', redacted_at = CURRENT_TIMESTAMP", staff),
        ("request_id = NULL, redacted_at = CURRENT_TIMESTAMP", staff),
        ("actor_label = 'someone', ip = NULL, redacted_at = CURRENT_TIMESTAMP", mine),  # only "requester"
        ("actor_label = 'requester', redacted_at = CURRENT_TIMESTAMP", mine),  # and the address goes too
    ):
        _refused(runtime, "UPDATE audit_events SET " + assignments + " " + where)  # noqa: S608 - literals
    _refused(runtime, "DELETE FROM audit_events")
    _refused(runtime, "DELETE FROM audit_events " + mine)  # noqa: S608 - literals
    with runtime.factory() as session, session.begin():  # the one allowed: what audit.redact writes
        session.execute(text("UPDATE audit_events SET summary = 'x', detail = '{}', "  # noqa: S608 - literals
                             "redacted_at = CURRENT_TIMESTAMP " + staff))
        session.execute(text("UPDATE audit_events SET actor_label = 'requester', ip = NULL, "  # noqa: S608
                             "redacted_at = CURRENT_TIMESTAMP " + mine))
    again = "UPDATE audit_events SET summary = 'again', redacted_at = CURRENT_TIMESTAMP "
    _refused(runtime, again + staff)
    _refused(runtime, "UPDATE audit_events SET redacted_at = NULL " + staff)  # noqa: S608 - once, for good
    _refused(runtime, "DELETE FROM audit_events WHERE redacted_at IS NOT NULL")
    with runtime.factory() as session:
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
        assert session.execute(text("SELECT count(*) FROM audit_events WHERE ip = '198.51.100.23'")).scalar() == 1
        assert session.execute(text("SELECT count(*) FROM audit_events WHERE redacted_at IS NOT NULL")).scalar() == 2
