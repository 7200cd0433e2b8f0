"""Retention: a retention period per case type, a legal hold and the destruction time on cases, and the
reviews a manager approves (the retention report)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:26:51.221628
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import shared.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retention_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prepared_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('approved_by', sa.String(length=320), nullable=False),
    sa.Column('approved_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_reviews'))
    )
    op.create_table('retention_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('case_type', sa.String(length=200), nullable=False),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('destroyed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('skipped', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_retention_items_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['retention_reviews.id'], name=op.f('fk_retention_items_review_id_retention_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_items'))
    )
    with op.batch_alter_table('retention_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_retention_items_review', ['review_id', 'id'], unique=False)

    with op.batch_alter_table('case_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=True))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('destroyed_at', shared.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of "cases" would rewrite its
    # review_of_id foreign key as a table constraint, which 0009's downgrade could then not drop.
    op.execute("ALTER TABLE cases DROP COLUMN destroyed_at")
    op.execute("ALTER TABLE cases DROP COLUMN legal_hold")

    with op.batch_alter_table('case_types', schema=None) as batch_op:
        batch_op.drop_column('retention_months')

    with op.batch_alter_table('retention_items', schema=None) as batch_op:
        batch_op.drop_index('ix_retention_items_review')
        batch_op.drop_index(batch_op.f('ix_retention_items_case_id'))

    op.drop_table('retention_items')
    op.drop_table('retention_reviews')
