"""Secure Share: shares, their files, history and sessions; the case's response date; a per-type share length

The two new columns are added with plain ALTER TABLE (no batch copy of ``cases``, whose expression
indexes SQLite cannot reflect and a table copy would lose), and dropped the same way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:39:33.713289
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import shared.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('email_hash', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('is_response', sa.Boolean(), nullable=False),
    sa.Column('sent_by', sa.String(length=320), nullable=False),
    sa.Column('sent_by_user_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('link_sent_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expiry_recorded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('files_deleted_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failures_in_row', sa.Integer(), nullable=False),
    sa.Column('first_opened_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_downloaded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_shares_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_user_id'], ['staff_users.id'], name=op.f('fk_shares_sent_by_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_shares_token_hash'))
    )
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.create_index('ix_shares_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_shares_open', ['files_deleted_at', 'expires_at'], unique=False)

    op.create_table('share_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('bytes_sent', sa.BigInteger(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_share_events_share_id_shares'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_events'))
    )
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.create_index('ix_share_events_share', ['share_id', 'at', 'id'], unique=False)

    op.create_table('share_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=150), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('first_downloaded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attachment_id'], ['case_attachments.id'], name=op.f('fk_share_files_attachment_id_case_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_share_files_file_id_stored_files')),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_share_files_share_id_shares'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_files'))
    )
    with op.batch_alter_table('share_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_files_share_id'), ['share_id'], unique=False)

    op.create_table('share_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_share_sessions_share_id_shares'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_sessions_token_hash'))
    )
    with op.batch_alter_table('share_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_sessions_share_id'), ['share_id'], unique=False)

    op.add_column('case_types', sa.Column('share_days', sa.Integer(), server_default='30', nullable=False))
    op.add_column('cases', sa.Column('responded_on', sa.Date(), nullable=True))



def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN responded_on")
    op.execute("ALTER TABLE case_types DROP COLUMN share_days")

    with op.batch_alter_table('share_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_sessions_share_id'))

    op.drop_table('share_sessions')
    with op.batch_alter_table('share_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_files_share_id'))

    op.drop_table('share_files')
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.drop_index('ix_share_events_share')

    op.drop_table('share_events')
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.drop_index('ix_shares_open')
        batch_op.drop_index('ix_shares_case')

    op.drop_table('shares')
