"""Incidents: P1-P5 incidents on the services, their timeline, major outage reports, probe results, planned
maintenance; the body's service model

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:56:21.476721
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import shared.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('incident_maintenance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_maintenance'))
    )
    with op.batch_alter_table('incident_maintenance', schema=None) as batch_op:
        batch_op.create_index('ix_incident_maintenance_when', ['starts_at', 'ends_at'], unique=False)

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('service', sa.String(length=30), nullable=False),
    sa.Column('priority', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('affected', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('service_model', sa.String(length=10), nullable=False),
    sa.Column('received_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('responded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_due_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('external_cause', sa.String(length=500), nullable=False),
    sa.Column('security', sa.String(length=30), nullable=False),
    sa.Column('raised_by', sa.String(length=320), nullable=False),
    sa.Column('probe', sa.String(length=30), nullable=False),
    sa.Column('probe_recovered_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('reference', name=op.f('uq_incidents_reference'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_open', ['closed_at', 'priority'], unique=False)
        batch_op.create_index('ix_incidents_service_received', ['service', 'received_at'], unique=False)

    op.create_table('probe_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=30), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probe_results'))
    )
    with op.batch_alter_table('probe_results', schema=None) as batch_op:
        batch_op.create_index('ix_probe_results_service_at', ['service', 'at'], unique=False)

    op.create_table('incident_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events'))
    )
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.create_index('ix_incident_events_incident', ['incident_id', 'at', 'id'], unique=False)

    op.create_table('major_outage_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('timeline', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('written_by', sa.String(length=320), nullable=False),
    sa.Column('written_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_major_outage_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major_outage_reports')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_major_outage_reports_incident_id'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_model', sa.String(length=10), nullable=False, server_default='plus'))



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('service_model')

    op.drop_table('major_outage_reports')
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_events_incident')

    op.drop_table('incident_events')
    with op.batch_alter_table('probe_results', schema=None) as batch_op:
        batch_op.drop_index('ix_probe_results_service_at')

    op.drop_table('probe_results')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_service_received')
        batch_op.drop_index('ix_incidents_open')

    op.drop_table('incidents')
    with op.batch_alter_table('incident_maintenance', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_maintenance_when')

    op.drop_table('incident_maintenance')
