"""emailed single-use links move from capture to shared, keyed by a subject

``capture_email_links`` pointed at a draft (a foreign key) or a case reference;
``email_links`` knows only a purpose and a subject string the app chooses
(``"draft:12"``, ``"case:FOI-2026-00012"``), so Secure Share and the progress
check use the same mechanism. The rows are moved, not dropped: links live 24
hours, but a requester who asked for one just before the upgrade should still
be able to use it, and an expired or replaced one should still say so (with an
offer of a new link) rather than "not found". Only digests are moved; no token
changes. Purposes are namespaced by the app (``capture.confirm``), since the
table is now shared.

A draft's links were deleted with it by the foreign key's cascade; capture's
purge now deletes them by subject. On downgrade, links of other apps' purposes,
and links of drafts that no longer exist, have no place in the old table and are
dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "token_hash, purpose, email, created_at, expires_at, used_at, replaced"


def upgrade() -> None:
    op.create_table(
        "email_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replaced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_links_token_hash")),
    )
    with op.batch_alter_table("email_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_links_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_email_links_subject"), ["subject"], unique=False)
    op.execute(
        "INSERT INTO email_links (token_hash, purpose, subject, email, created_at, expires_at, used_at, replaced) "
        "SELECT token_hash, 'capture.' || purpose, "
        "CASE WHEN draft_id IS NOT NULL THEN 'draft:' || CAST(draft_id AS VARCHAR(20)) "
        "ELSE 'case:' || COALESCE(case_reference, '') END, "
        "email, created_at, expires_at, used_at, replaced FROM capture_email_links"
    )
    with op.batch_alter_table("capture_email_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capture_email_links_expires_at"))
        batch_op.drop_index(batch_op.f("ix_capture_email_links_draft_id"))
    op.drop_table("capture_email_links")


def downgrade() -> None:
    op.create_table(
        "capture_email_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("case_reference", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replaced", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["capture_drafts.id"],
                                name=op.f("fk_capture_email_links_draft_id_capture_drafts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_email_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_capture_email_links_token_hash")),
    )
    with op.batch_alter_table("capture_email_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capture_email_links_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capture_email_links_expires_at"), ["expires_at"], unique=False)
    op.execute(
        f"INSERT INTO capture_email_links ({_COLUMNS}, draft_id) "
        "SELECT l.token_hash, 'confirm', l.email, l.created_at, l.expires_at, l.used_at, l.replaced, d.id "
        "FROM email_links l JOIN capture_drafts d ON 'draft:' || CAST(d.id AS VARCHAR(20)) = l.subject "
        "WHERE l.purpose = 'capture.confirm'"
    )
    op.execute(
        f"INSERT INTO capture_email_links ({_COLUMNS}, case_reference) "
        "SELECT token_hash, 'progress', email, created_at, expires_at, used_at, replaced, SUBSTR(subject, 6, 30) "
        "FROM email_links WHERE purpose = 'capture.progress' AND subject LIKE 'case:%'"
    )
    with op.batch_alter_table("email_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_links_subject"))
        batch_op.drop_index(batch_op.f("ix_email_links_expires_at"))
    op.drop_table("email_links")
