"""audit entries can be redacted once: a redacted_at column, and triggers that allow that one update

Retention destroys a case's personal data, and the requester's email address and IP address were still in
its audit trail. The triggers of 0002 refused every UPDATE; now they allow one kind: ``redacted_at`` set for
the first time, with the time, action, object, actor type, actor id and request id untouched, a staff or
system entry's actor and address untouched, and a requester entry's label "requester" and address empty.
Summary and detail may change (that is where the requester's details are taken out). DELETE stays refused.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: shared.audit.REDACTED_LABEL when this migration was written (a migration does not follow later code).
_LABEL = "requester"

#: The one UPDATE allowed, null-safe on both databases (``IS`` on SQLite, ``IS NOT DISTINCT FROM`` on
#: PostgreSQL) so that a NULL never makes the check vanish: SQLite skips a trigger whose WHEN is NULL.
_UNCHANGED = ("id", "occurred_at", "action", "object_type", "object_id", "actor_type", "actor_id", "request_id")


def _allowed(same: str, differs: str) -> str:
    unchanged = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in _UNCHANGED)
    return (
        f"OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {unchanged} AND ("
        f"(OLD.actor_type {differs} '{_LABEL}' AND NEW.actor_label {same} OLD.actor_label AND NEW.ip {same} OLD.ip)"
        f" OR (OLD.actor_type {same} '{_LABEL}' AND NEW.actor_label {same} '{_LABEL}' AND NEW.ip IS NULL))"
    )


_POSTGRES_FUNCTION = """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
        {allow}
        RAISE EXCEPTION 'audit_events is append-only';
    END;
    $$ LANGUAGE plpgsql
"""
_SQLITE_UPDATE = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events {when}"
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column("audit_events", sa.Column("redacted_at", shared.db.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        allowed = _allowed("IS NOT DISTINCT FROM", "IS DISTINCT FROM")
        # An IF whose condition is NULL is false: the function refuses unless the update is the allowed one.
        op.execute(_POSTGRES_FUNCTION.format(allow=f"IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF;"))
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_UPDATE.format(when=f"WHEN NOT ({_allowed('IS', 'IS NOT')}) "))


def downgrade() -> None:
    # Redacted entries stay redacted: only the permission to redact goes.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION.format(allow=""))
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
    op.execute("ALTER TABLE audit_events DROP COLUMN redacted_at")
    if op.get_bind().dialect.name != "postgresql":
        op.execute(_SQLITE_UPDATE.format(when=""))
