"""The tables of incident tracking: incidents, their timeline, major outage reports, probe results and
planned maintenance.

An incident's due times are stored for listing and sorting, but they are always recomputed from the
received time and the timeline (:mod:`backoffice.incidents.clock`), so every move of a deadline can be
explained and is recorded as an event with its cause.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, utcnow


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_service_received", "service", "received_at"),
                      Index("ix_incidents_open", "closed_at", "priority"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    service: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    affected: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    #: The service model whose targets and hours apply, as it was when the incident was raised: a later
    #: change of model does not rewrite an incident's clock (counting pauses twice, or losing them).
    service_model: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[dt.datetime]
    responded_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    response_due_at: Mapped[dt.datetime | None]
    resolve_due_at: Mapped[dt.datetime | None]
    #: Another party's fault (a supplier's outage, the body's own network): still tracked, but not counted
    #: against availability.
    external_cause: Mapped[str] = mapped_column(String(500), default="")
    #: "security_incident" or "personal_data_breach" when it is one (the service report lists them apart).
    security: Mapped[str] = mapped_column(String(30), default="")
    raised_by: Mapped[str] = mapped_column(String(320))
    #: The probe that raised it ("" for staff): one open incident per probed service at a time.
    probe: Mapped[str] = mapped_column(String(30), default="")
    #: Set when the probe has seen the service pass again, for a person to confirm.
    probe_recovered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IncidentEvent(Base):
    """One line of an incident's timeline: an update, a status change, a pause, a deadline moved."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    #: When it happened (the time given, e.g. when the user was told it is resolved).
    at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(320), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=False)
    #: The status after this event, when it set one.
    status: Mapped[str] = mapped_column(String(20), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MajorOutageReport(Base):
    """What a P1 leaves behind: kept with the incident, required before it can be closed."""

    __tablename__ = "major_outage_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    timeline: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(320))
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProbeResult(Base):
    """One synthetic probe of a service through its real path: availability is computed from these."""

    __tablename__ = "probe_results"
    __table_args__ = (Index("ix_probe_results_service_at", "service", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime]
    #: "pass", "slow" (worked, over the slow limit), "partial" (a part failed) or "fail".
    outcome: Mapped[str] = mapped_column(String(10))
    duration_ms: Mapped[int]
    detail: Mapped[str] = mapped_column(String(500), default="")


class Maintenance(Base):
    """Planned downtime, announced ahead: shown on the status page and kept apart from downtime."""

    __tablename__ = "incident_maintenance"
    __table_args__ = (Index("ix_incident_maintenance_when", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A service key, or "" for all of them.
    service: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[dt.datetime | None]
