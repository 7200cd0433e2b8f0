"""The append-only audit log: who did what to which object, when and from where.

Domain services call :func:`record` inside the transaction of the change they
describe, so an action and its audit entry land together or not at all. The
application never deletes an entry and changes one in a single way only: a flush
that tries anything else is refused, and the migrations add database triggers
that refuse it too.

That one way is :func:`redact`, once per object, when retention destroys a
case: the trail must still say what happened, when and by which member of staff,
but no longer who the requester was. It rewrites requester entries' label and
address, takes the requester's known details out of summaries and details, and
stamps ``redacted_at``; the triggers allow exactly that (``redacted_at`` from
empty to set, the time, action, object and actor type untouched) and nothing again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import JSON, Index, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import Base, utcnow

ActorType = Literal["staff", "requester", "api_client", "system"]


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AlreadyRedacted(AuditLogIsAppendOnly):
    """Raised by a second :func:`redact` of one object: a redacted entry is never changed again."""


#: What a redacted requester entry names as its actor. The migration that allows redaction (0014) checks
#: for this very label, so changing it needs a migration too.
REDACTED_LABEL = "requester"
#: What stands where a requester's known detail was in a summary or detail.
REDACTED_VALUE = "[redacted]"
#: Shorter values are not searched for: they would blank out ordinary words.
SHORTEST_VALUE = 3


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
    #: Set once, by :func:`redact`; active history so the guard sees the value it replaces.
    redacted_at: Mapped[dt.datetime | None] = mapped_column(active_history=True)


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


def redact(session: Session, actor: Actor, object_type: str, object_id: str | int,
           personal: Iterable[str | None] = ()) -> int:
    """Take the requester out of one object's trail, once; returns how many entries were stamped.

    Every entry of the object is stamped ``redacted_at`` (so the trail says it was redacted, and a
    second redaction is refused with :class:`AlreadyRedacted`). Requester entries lose their label
    (an email address) and address; every entry's summary and detail lose each ``personal`` value
    (the requester's email, name...: the caller knows them, the log does not), matched as whole words
    in any case. Staff, API and system entries keep their actor, so the trail still says who did what.
    The redaction is itself an entry, by ``actor``, in the caller's transaction.
    """
    entries = history(session, object_type, object_id)
    if any(e.redacted_at is not None for e in entries):
        raise AlreadyRedacted(f"the audit trail of {object_type} {object_id} is already redacted")
    scrub = _scrubber(personal)
    now = utcnow()
    for entry in entries:
        if entry.actor_type == "requester":
            entry.actor_label, entry.ip = REDACTED_LABEL, None
        summary, detail = scrub(entry.summary), scrub(entry.detail)
        if summary != entry.summary:
            entry.summary = summary
        if detail != entry.detail:
            entry.detail = detail  # a new value: the column is not a mutable JSON
        entry.redacted_at = now
    session.info[_REDACTING] = True
    try:
        session.flush()
    finally:
        session.info.pop(_REDACTING, None)
    record(session, actor, "audit.redacted", object_type, object_id,
           f"Audit trail redacted: the requester's personal data taken out of its {len(entries)} earlier "
           f"entr{'ies' if len(entries) != 1 else 'y'}", {"entries": len(entries)})
    return len(entries)


def _scrubber(personal: Iterable[str | None]) -> Callable[[Any], Any]:
    """A function replacing each known value in a string, or in the strings of a JSON value."""
    values = sorted({v.strip() for v in personal if v and len(v.strip()) >= SHORTEST_VALUE}, key=len, reverse=True)
    # Whole words only: a requester called Ann must not turn "Planning" into "Pl[redacted]ing".
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in values) + r")(?!\w)",
                         re.IGNORECASE) if values else None

    def scrub(value: Any) -> Any:
        if pattern is None:
            return value
        if isinstance(value, str):
            return pattern.sub(REDACTED_VALUE, value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub


_REDACTING = "audit.redacting"
#: What a redaction may change: on every entry, and on a requester's.
_REDACTABLE = frozenset({"summary", "detail", "redacted_at"})
_REDACTABLE_REQUESTER = _REDACTABLE | {"actor_label", "ip"}


def _is_redaction(session: Session, entry: AuditEvent) -> bool:
    """The one change allowed, the same one the triggers allow: made by :func:`redact`, stamping
    ``redacted_at`` for the first time, and touching nothing that says what happened, when or by whom."""
    if not session.info.get(_REDACTING):
        return False
    state = inspect(entry)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    stamped = state.attrs.redacted_at.history
    allowed = _REDACTABLE_REQUESTER if entry.actor_type == "requester" else _REDACTABLE
    return (changed <= allowed and list(stamped.deleted) in ([], [None]) and entry.redacted_at is not None
            and (entry.actor_type != "requester" or (entry.actor_label == REDACTED_LABEL and entry.ip is None)))


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or
                                            (session.is_modified(obj) and not _is_redaction(session, obj))):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted, only redacted once")
