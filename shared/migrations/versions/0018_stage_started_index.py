"""An index on the stage a case is at and the day it began, for the timeliness report's later stages

The report counts the complaints whose stage 2 began in the period. Without an index that meant reading
every complaint received up to the period's end and looking up its kept stages; with it, the complaints
now at the stage are found by the day it began, and those past it from ``case_stages``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_stage_started", "cases", ["stage", "stage_started_on"])
    op.create_index("ix_case_stages_stage_started", "case_stages", ["stage", "started_on"])


def downgrade() -> None:
    op.drop_index("ix_case_stages_stage_started", table_name="case_stages")
    op.drop_index("ix_cases_stage_started", table_name="cases")
