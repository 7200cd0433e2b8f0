"""The tables of the case core.

Case types are configuration (statuses, transitions, task templates, outcomes);
cases carry their requester, clock and workflow state. Every change to a case
is also in the audit log, from which its timeline is built.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared import configuration
from shared.db import Base, utcnow


class StatusKind(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    WEB_FORM = "web form"
    EMAIL = "email"
    POST = "post"
    PHONE = "phone"
    API = "api"


class Priority(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseType(Base):
    __tablename__ = "case_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    reference_prefix: Mapped[str] = mapped_column(String(10), unique=True)
    deadline_rule: Mapped[str] = mapped_column(String(40))
    extension_days: Mapped[int | None]
    web_enabled: Mapped[bool] = mapped_column(default=True)
    exemptions_enabled: Mapped[bool] = mapped_column(default=False)
    restrictable: Mapped[bool] = mapped_column(default=False)
    closure_outcomes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    responsible_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    escalation_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    #: How many days documents sent through Secure Share stay, unless the caseworker chooses otherwise.
    share_days: Mapped[int] = mapped_column(default=30, server_default="30")
    #: Whether a publication with documents needs a second member of staff with publishing permission to approve it.
    publication_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Months a closed case keeps its personal data and files before the retention review lists it; None keeps
    #: them until someone decides.
    retention_months: Mapped[int | None]

    statuses: Mapped[list[CaseStatus]] = relationship(order_by="CaseStatus.position", back_populates="case_type")


configuration.watch(CaseType)


class CaseTypeGroup(Base):
    """The groups that handle a case type: their members see its cases."""

    __tablename__ = "case_type_groups"
    __table_args__ = (UniqueConstraint("case_type_id", "group_id", name="uq_case_type_groups_type_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)


class CaseStatus(Base):
    __tablename__ = "case_statuses"
    __table_args__ = (UniqueConstraint("case_type_id", "key", name="uq_case_statuses_type_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)

    case_type: Mapped[CaseType] = relationship(back_populates="statuses")


configuration.watch(CaseStatus)


class CaseTransition(Base):
    __tablename__ = "case_transitions"
    __table_args__ = (UniqueConstraint("from_status_id", "to_status_id", name="uq_case_transitions_from_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    from_status_id: Mapped[int] = mapped_column(ForeignKey("case_statuses.id", ondelete="CASCADE"))
    to_status_id: Mapped[int] = mapped_column(ForeignKey("case_statuses.id", ondelete="CASCADE"))


class TaskTemplate(Base):
    __tablename__ = "task_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    due_in_working_days: Mapped[int | None]
    auto_create: Mapped[bool] = mapped_column(default=True)


class CaseReferenceCounter(Base):
    __tablename__ = "case_reference_counters"

    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("case_type_id", "year", "number", name="uq_cases_type_year_number"),
        Index("ix_cases_open_due", "closed_at", "due_on", "id"),
        Index("ix_cases_team_due", "team_group_id", "closed_at", "due_on"),
        Index("ix_cases_owner_due", "owner_id", "closed_at", "due_on"),
        Index("ix_cases_requester_email", "requester_email"),
        # The queues' orderings as indexes (expressions written as the queries write them), so a page of
        # 25 is read in order and the walk stops at 25 instead of sorting every open case: the team queue
        # (unclaimed first, then by due date) and the due-date sort of All open cases and search.
        Index("ix_cases_open_queue_order", "closed_at", text("(owner_id IS NOT NULL)"), text("(due_on IS NULL)"),
              "due_on", "id"),
        Index("ix_cases_open_due_order", "closed_at", text("(due_on IS NULL)"), "due_on", "id"),
        # Covers the count of a team queue and the visibility filter without reading case rows (with ``id``,
        # which a PostgreSQL index holds only when asked: the restricted cases are checked by it).
        Index("ix_cases_open_team_owner_type", "closed_at", "team_group_id", "owner_id", "case_type_id", "id"),
        # A requester's open cases, without reading their closed ones.
        Index("ix_cases_requester_email_open", "requester_email", "closed_at", "due_on"),
        # Reports count the cases received in a period: a quarter reads its own cases, not the table.
        Index("ix_cases_received_on", "received_on"),
        # The timeliness report's later complaint stages: the cases at a stage, by the day it began.
        Index("ix_cases_stage_started", "stage", "stage_started_on"),
        # A request's reviews. Partial: on the whole column, SQLite's statistics (most cases are no review)
        # said a value matched every case, and the case page's reviews were read by scanning in date order.
        Index("ix_cases_review_of_id", "review_of_id", sqlite_where=text("review_of_id IS NOT NULL"),
              postgresql_where=text("review_of_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id"), index=True)
    year: Mapped[int]
    number: Mapped[int]
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    requester_address: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status_id: Mapped[int] = mapped_column(ForeignKey("case_statuses.id"), index=True)
    team_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    outcome: Mapped[str | None] = mapped_column(String(60))
    exemptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The day the answer went out (Europe/London): a Secure Share marked as the response sets it.
    responded_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated: Mapped[bool] = mapped_column(default=False)
    #: The request an internal review or a complaint to the regulator is about (``backoffice.cases.reviews``):
    #: the statutory returns count reviews and their outcomes against the answer they test. No ON DELETE
    #: action: SQLite can add a foreign key to ``cases`` only on the new column itself, whose action its
    #: reflection cannot read back (so models and migrations could not be compared), and no case is
    #: deleted by the service; deleting a request that has reviews is refused until they go too.
    review_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: A complaint's stage under the complaint-handling code (``backoffice.cases.stages``), set when it is
    #: escalated: None is the first stage, as every complaint (and every other case) starts. ``due_on`` and
    #: ``responded_on`` are the present stage's; a finished stage's are kept in ``case_stages``.
    stage: Mapped[int | None]
    #: The day the present stage began (escalation); None for the first, which began on receipt.
    stage_started_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    #: Why the case must be kept whatever its retention period (litigation, an investigation); None for none.
    legal_hold: Mapped[str | None] = mapped_column(String(500))
    #: When its personal data and files were destroyed under the retention schedule (statistics stay).
    destroyed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    case_type: Mapped[CaseType] = relationship(lazy="joined")
    status: Mapped[CaseStatus] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


class CaseStage(Base):
    """A complaint's finished stage, as it stood when the complaint was escalated past it: the report of
    timeliness judges each stage against its own due date, whenever it is run."""

    __tablename__ = "case_stages"
    __table_args__ = (UniqueConstraint("case_id", "stage", name="uq_case_stages_case_stage"),
                      Index("ix_case_stages_stage_started", "stage", "started_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int]
    started_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The stage's answer, if one went out before the escalation (a complaint may go straight on).
    responded_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day the stage's time limit was extended, if it was.
    extended_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day the next stage began.
    ended_on: Mapped[dt.date] = mapped_column(Date)


class CaseRestriction(Base):
    """A SAR or complaint case seen only by members of the named groups."""

    __tablename__ = "case_restrictions"
    __table_args__ = (UniqueConstraint("case_id", "group_id", name="uq_case_restrictions_case_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))


class CaseLink(Base):
    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "linked_case_id", name="uq_case_links_case_linked"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    linked_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_label: Mapped[str] = mapped_column(String(320))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    visible_to_requester: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseWatcher(Base):
    __tablename__ = "case_watchers"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_watchers_case_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))


class CaseAttachment(Base):
    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id"))
    description: Mapped[str] = mapped_column(String(300), default="")
    added_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ClockEventRecord(Base):
    """An event on a case's statutory clock; the due date is recomputed from all of them."""

    __tablename__ = "case_clock_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    days: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    finished_by: Mapped[str | None] = mapped_column(String(320))
