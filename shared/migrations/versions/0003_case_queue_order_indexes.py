"""case queue order indexes on expressions

Alembic's autogenerate cannot compare expression indexes on SQLite, so it left
these two out of 0001: without them a queue page sorts every open case.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_open_queue_order",
        "cases",
        ["closed_at", sa.text("(owner_id IS NOT NULL)"), sa.text("(due_on IS NULL)"), "due_on", "id"],
    )
    op.create_index("ix_cases_open_due_order", "cases", ["closed_at", sa.text("(due_on IS NULL)"), "due_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_open_due_order", table_name="cases")
    op.drop_index("ix_cases_open_queue_order", table_name="cases")
