"""API tokens get scopes and an expiry

Tokens made before this were all-powerful and never expired. They keep what
they could do then (cases:read and cases:write, the only capabilities there
were) and expire the default lifetime (90 days) after the upgrade: no
integration stops without warning, and none stays valid for ever.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXISTING_SCOPES = ["cases:read", "cases:write"]
_EXISTING_LIFETIME = dt.timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=True))
    clients = sa.table("api_clients", sa.column("scopes", sa.JSON()),
                       sa.column("expires_at", shared.db.UTCDateTime(timezone=True)))
    op.execute(clients.update().values(scopes=_EXISTING_SCOPES,
                                       expires_at=dt.datetime.now(dt.UTC) + _EXISTING_LIFETIME))
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("expires_at", existing_type=shared.db.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
