"""The automation tables: per-type configuration, what the sweep has done, and when cases entered their status.

``automation_firings`` is the sweep's memory. Its unique key (case, kind, target, slot) is claimed with
INSERT ... ON CONFLICT DO NOTHING in the same transaction as the notification it stands for, so two
workers, or a worker restarted half-way, can never send one reminder twice.

The extra indexes on ``cases`` and ``tasks`` are declared here because only the sweep needs them: each
turns one of its candidate searches into a short range scan instead of a walk over every open case.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.cases.models import Case, Task
from shared.db import Base, utcnow


class Unit(enum.StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class AppliesTo(enum.StrEnum):
    CASE = "case"
    MILESTONE = "milestone"
    TASK = "task"


class Trigger(enum.StrEnum):
    CASE_CREATED = "case_created"
    STATUS_CHANGED = "status_changed"
    TARGET_NEAR = "target_near"
    TARGET_BREACHED = "target_breached"
    TASK_COMPLETED = "task_completed"
    NO_REPLY = "no_reply"

    @property
    def label(self) -> str:
        return TRIGGER_LABELS[self]


TRIGGER_LABELS = {
    Trigger.CASE_CREATED: "A case is created",
    Trigger.STATUS_CHANGED: "The status changes",
    Trigger.TARGET_NEAR: "The target is near (a reminder is sent)",
    Trigger.TARGET_BREACHED: "The target is breached",
    Trigger.TASK_COMPLETED: "A task is completed",
    Trigger.NO_REPLY: "No reply from the requester for a number of days in a status",
}


class AutomationSettings(Base):
    """One row per case type; a missing row means the defaults."""

    __tablename__ = "automation_settings"

    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), primary_key=True)
    stopped_clock_limit_days: Mapped[int] = mapped_column(default=90)


class ReminderRule(Base):
    """Remind ``amount`` ``unit`` before a target of the kind ``applies_to``."""

    __tablename__ = "automation_reminders"
    __table_args__ = (UniqueConstraint("case_type_id", "applies_to", "amount", "unit",
                                       name="uq_automation_reminders_type_offset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    applies_to: Mapped[str] = mapped_column(String(20), default=AppliesTo.CASE.value)
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20))


class Milestone(Base):
    """An internal target before the statutory date: due on working day ``working_days`` after receipt."""

    __tablename__ = "automation_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    working_days: Mapped[int]


class Routine(Base):
    """A trigger and its actions. ``actions`` is a list of small dicts, each with a ``type``:
    ``change_status`` (status_id), ``add_note`` (text), ``reassign`` (group_id), ``notify`` (to: a list of
    owner / team / escalation)."""

    __tablename__ = "automation_routines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(30))
    status_id: Mapped[int | None] = mapped_column(ForeignKey("case_statuses.id", ondelete="CASCADE"))
    days: Mapped[int | None]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class Firing(Base):
    """Something the sweep did, once: a reminder, a breach, a flag or a routine run."""

    __tablename__ = "automation_firings"
    __table_args__ = (UniqueConstraint("case_id", "kind", "target", "slot", name="uq_automation_firings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(40))
    slot: Mapped[str] = mapped_column(String(60))
    fired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StatusEntry(Base):
    """When a case entered its current status, kept by a mapper hook so "in status S for N days" is one range scan."""

    __tablename__ = "automation_status_entries"
    __table_args__ = (Index("ix_automation_status_entries_status_entered", "status_id", "entered_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("case_statuses.id", ondelete="CASCADE"))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SweepCursor(Base):
    """How far the sweep has read the audit log for event triggers; moved only when it moves."""

    __tablename__ = "automation_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[dt.datetime]


_cases = Case.__table__.c
_tasks = Task.__table__.c
#: Overdue cases not yet escalated: empty in steady state, so the breach search reads nothing.
UNESCALATED = and_(_cases.closed_at.is_(None), _cases.escalated.is_(False))
Index("ix_cases_unescalated_due", _cases.due_on, sqlite_where=UNESCALATED, postgresql_where=UNESCALATED)
#: Milestones are counted from receipt: open cases by date received.
Index("ix_cases_open_received", _cases.closed_at, _cases.received_on)
#: Task targets: open tasks by due date.
Index("ix_tasks_status_due", _tasks.status, _tasks.due_on)
