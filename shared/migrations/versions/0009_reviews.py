"""Reviews and appeals: the request an internal review or a complaint to the regulator is about; FOI/EIR outcomes

``cases.review_of_id`` is added with plain ALTER TABLE, as in 0007 (no batch copy of ``cases``, whose
expression indexes SQLite cannot reflect and a table copy would lose), and dropped the same way. On
SQLite its foreign key is the column's own (``REFERENCES``), the only kind ALTER TABLE can add; SQLite's
reflection reads no ON DELETE action from such a key, so it has none anywhere (``Case.review_of_id``).

The built-in FOI and EIR types gained three closure outcomes the official returns count (a repeated
request, advice and assistance, a fee not paid): a body seeded before then gets those that its types
lack, appended after its own, and nothing it has is changed. The downgrade leaves them: cases may have
been closed with them since. The new case types themselves are seeded like every built-in type
(``backoffice.cases.case_types.seed_built_in_types``), not here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The outcomes added to the built-in FOI and EIR types, as they were then (a migration does not follow
#: later edits of ``case_types.FOI_OUTCOMES``).
NEW_OUTCOMES = (
    ("repeated", "Repeated request (s.14(2))"),
    ("advice_and_assistance", "Advice and assistance provided"),
    ("fee_not_paid", "Fee not paid"),
)
INFORMATION_REQUEST_TYPES = ("foi", "eir")

_case_types = sa.table(
    "case_types",
    sa.column("id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("closure_outcomes", sa.JSON()),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, only a column that carries one.
        op.execute("ALTER TABLE cases ADD COLUMN review_of_id INTEGER "
                   "CONSTRAINT fk_cases_review_of_id_cases REFERENCES cases (id)")
    else:
        op.add_column("cases", sa.Column("review_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_cases_review_of_id_cases"), "cases", "cases", ["review_of_id"], ["id"])
    op.create_index(op.f("ix_cases_review_of_id"), "cases", ["review_of_id"], unique=False)
    _add_missing_outcomes()


def _add_missing_outcomes() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_case_types.c.id, _case_types.c.closure_outcomes)
                        .where(_case_types.c.key.in_(INFORMATION_REQUEST_TYPES))).all()
    for type_id, outcomes in rows:
        entries: list[dict[str, Any]] = list(outcomes or [])
        have = {entry.get("key") for entry in entries if isinstance(entry, dict)}
        missing = [{"key": key, "label": label} for key, label in NEW_OUTCOMES if key not in have]
        if missing:
            bind.execute(_case_types.update().where(_case_types.c.id == type_id)
                         .values(closure_outcomes=[*entries, *missing]))


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_review_of_id"), table_name="cases")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_cases_review_of_id_cases"), "cases", type_="foreignkey")
    op.execute("ALTER TABLE cases DROP COLUMN review_of_id")
