"""The service's own check share: ``shares.case_id`` may be empty

The synthetic probe downloads a document through Secure Share's real path every minute, from a share that
belongs to no case (``backoffice.releases.canary``), so nothing of it reaches a report, a queue, a case
number or a retention list. SQLite cannot drop a NOT NULL in place: the table is copied (batch mode),
which is safe only because ``env.py`` runs migrations with SQLite's foreign keys off (dropping the old
``shares`` would otherwise cascade to its files, history and sessions) and checks them before committing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 13:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shares") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM shares WHERE case_id IS NULL")
    with op.batch_alter_table("shares") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
