"""Indexes and statistics found wanting at a million cases (``bench/cases.py``, ``bench/reports.py``)

The timeliness report counts the complaints whose stage 2 began in the period. Without an index that meant
reading every complaint received up to the period's end and looking up its kept stages; with these, the
complaints now at the stage are found by the day it began, and those past it from ``case_stages``.

``ix_cases_review_of_id`` becomes partial (``review_of_id IS NOT NULL``): over the whole column, where
nearly every case has none, SQLite's ANALYZE recorded that one value matches every case, so the planner
read a request's reviews by scanning all cases in date order (200 ms a case page at a million cases).

``ix_cases_open_team_owner_type`` gains ``id``: a team queue's count checks each case's id against the
restricted cases, which on PostgreSQL (where an index holds no row id) meant reading every open case of
the team; with it the count is an index-only scan (28 ms -> 6 ms).

On PostgreSQL, statistics on the lower-cased text search reads (``lower(subject)`` and the rest): with
none, the planner guessed a word matched four open cases of 36,000 and sorted every match to show 25
(72 ms); with them it estimates about as many as match and reads the page in due-date order (4 ms).

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
SEARCHED = {"cases_lower_requester_name": "requester_name", "cases_lower_subject": "subject",
            "cases_lower_description": "description"}


def _postgres_14() -> bool:
    """Statistics on an expression came with PostgreSQL 14; on SQLite (or before 14) there are none to make."""
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and (bind.dialect.server_version_info or (0,)) >= (14,)


def upgrade() -> None:
    op.create_index("ix_cases_stage_started", "cases", ["stage", "stage_started_on"])
    op.create_index("ix_case_stages_stage_started", "case_stages", ["stage", "started_on"])
    op.drop_index("ix_cases_review_of_id", table_name="cases")
    op.create_index("ix_cases_review_of_id", "cases", ["review_of_id"], sqlite_where=NOT_NULL,
                    postgresql_where=NOT_NULL)
    op.drop_index("ix_cases_open_team_owner_type", table_name="cases")
    op.create_index("ix_cases_open_team_owner_type", "cases",
                    ["closed_at", "team_group_id", "owner_id", "case_type_id", "id"])
    if _postgres_14():
        for name, column in SEARCHED.items():
            op.execute(f"CREATE STATISTICS {name} ON (lower({column})) FROM cases")  # constant names only


def downgrade() -> None:
    if _postgres_14():
        for name in SEARCHED:
            op.execute(f"DROP STATISTICS IF EXISTS {name}")
    op.drop_index("ix_cases_open_team_owner_type", table_name="cases")
    op.create_index("ix_cases_open_team_owner_type", "cases", ["closed_at", "team_group_id", "owner_id", "case_type_id"])
    op.drop_index("ix_cases_review_of_id", table_name="cases")
    op.create_index("ix_cases_review_of_id", "cases", ["review_of_id"])
    op.drop_index("ix_case_stages_stage_started", table_name="case_stages")
    op.drop_index("ix_cases_stage_started", table_name="cases")
