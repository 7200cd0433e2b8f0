"""Complaint stages: the stage a complaint is at and the day it began, and each finished stage's dates

``cases.stage`` and ``cases.stage_started_on`` are plain nullable columns added with ALTER TABLE, as in
0007 and 0009 (no batch copy of ``cases``); a complaint with none is at its first stage, so existing
cases need no update. ``case_stages`` keeps a finished stage's due date, answer and extension, written
when the complaint is escalated (``backoffice.cases.stages``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 03:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("stage", sa.Integer(), nullable=True))
    op.add_column("cases", sa.Column("stage_started_on", sa.Date(), nullable=True))
    op.create_table('case_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=True),
    sa.Column('extended_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_stages_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_stages')),
    sa.UniqueConstraint('case_id', 'stage', name='uq_case_stages_case_stage')
    )
    op.create_index(op.f('ix_case_stages_case_id'), 'case_stages', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_stages_case_id'), table_name='case_stages')
    op.drop_table('case_stages')
    op.execute("ALTER TABLE cases DROP COLUMN stage_started_on")
    op.execute("ALTER TABLE cases DROP COLUMN stage")
