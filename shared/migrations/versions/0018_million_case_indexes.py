"""Indexes found wanting at a million cases: a case's stage by the day it began, and a request's reviews

The timeliness report counts the complaints whose stage 2 began in the period. Without an index that meant
reading every complaint received up to the period's end and looking up its kept stages; with these, the
complaints now at the stage are found by the day it began, and those past it from ``case_stages``.

``ix_cases_review_of_id`` becomes partial (``review_of_id IS NOT NULL``): over the whole column, where
nearly every case has none, SQLite's ANALYZE recorded that one value matches every case, so the planner
read a request's reviews by scanning all cases in date order (200 ms a case page at a million cases).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NOT_NULL = sa.text("review_of_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_cases_stage_started", "cases", ["stage", "stage_started_on"])
    op.create_index("ix_case_stages_stage_started", "case_stages", ["stage", "started_on"])
    op.drop_index("ix_cases_review_of_id", table_name="cases")
    op.create_index("ix_cases_review_of_id", "cases", ["review_of_id"], sqlite_where=NOT_NULL,
                    postgresql_where=NOT_NULL)


def downgrade() -> None:
    op.drop_index("ix_cases_review_of_id", table_name="cases")
    op.create_index("ix_cases_review_of_id", "cases", ["review_of_id"])
    op.drop_index("ix_case_stages_stage_started", table_name="case_stages")
    op.drop_index("ix_cases_stage_started", table_name="cases")
