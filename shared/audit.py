"""The append-only audit log: who did what to which object, when and from where.

Domain services call :func:`record` inside the transaction of the change they
describe, so an action and its audit entry land together or not at all. The
application never updates or deletes an entry: a flush that tries is refused,
and the migration adds database triggers that refuse it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import JSON, Index, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import Base, utcnow

ActorType = Literal["staff", "requester", "api_client", "system"]


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


@dataclass(frozen=True)
class Actor:
    """Who acted, and from where (an address and the request id tie an entry to a log line)."""

    type: ActorType
    label: str
    id: str | None = None
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor(type="system", label="system")
COMMAND_LINE = Actor(type="system", label="command line")  # an operator at the server


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    summary: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one entry to the log in the caller's transaction."""
    entry = AuditEvent(
        occurred_at=utcnow(),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        detail=detail or {},
        ip=actor.ip,
        request_id=actor.request_id,
    )
    session.add(entry)
    return entry


def history(session: Session, object_type: str, object_id: str | int) -> list[AuditEvent]:
    """Entries about one object, oldest first: the raw material of a case timeline."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(stmt))


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")
