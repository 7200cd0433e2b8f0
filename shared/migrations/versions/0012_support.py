"""Support requests: help articles, staff support requests with access keys, and their updates

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:09:53.987886
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import shared.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('help_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_articles'))
    )
    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_by', sa.String(length=320), nullable=False),
    sa.Column('access_key_hash', sa.String(length=64), nullable=False),
    sa.Column('articles_shown', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['raised_by_id'], ['staff_users.id'], name=op.f('fk_support_requests_raised_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests')),
    sa.UniqueConstraint('reference', name=op.f('uq_support_requests_reference'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index('ix_support_requests_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_raised_by_id'), ['raised_by_id'], unique=False)

    op.create_table('support_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=320), nullable=False),
    sa.Column('from_desk', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['support_requests.id'], name=op.f('fk_support_updates_request_id_support_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_updates'))
    )
    with op.batch_alter_table('support_updates', schema=None) as batch_op:
        batch_op.create_index('ix_support_updates_request', ['request_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_support_updates_request')

    op.drop_table('support_updates')
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_requests_raised_by_id'))
        batch_op.drop_index('ix_support_requests_created')

    op.drop_table('support_requests')
    op.drop_table('help_articles')
