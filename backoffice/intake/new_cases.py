"""Creating a case: the one door through which Capture, the API, imports and staff bring work in.

The reference is allocated from a per-type, per-year counter with an atomic
upsert, so two requests at once never get the same number; the due date comes
from the deadline engine on the day the case is created.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.case_types import get_case_type, status_of_kind
from backoffice.cases.models import (
    Case,
    CaseAttachment,
    CaseReferenceCounter,
    CaseType,
    Channel,
    Priority,
    StatusKind,
    Task,
    TaskTemplate,
)
from backoffice.clocks import CalendarError, CalendarSet
from backoffice.deadlines.due_dates import calendar_of, compute_deadline
from backoffice.organisation.bank_holidays import deadline_engine
from shared import audit
from shared.db import is_postgres, utcnow
from shared.errors import InvalidInput
from shared.files import StoredFile
from shared.mail import address_error

LONDON = ZoneInfo("Europe/London")
LIMITS = {"name": 200, "email": 254, "phone": 40, "address": 1000, "subject": 300, "description": 20_000}
#: The days the deadline calendars cover: a case received outside them could not be given a due date,
#: so the date is refused here, in the Design System's words, before the engine is asked.
EARLIEST_RECEIVED = dt.date(CalendarSet.DEFAULT_FIRST_YEAR, 1, 1)
LATEST_RECEIVED = dt.date(CalendarSet.DEFAULT_LAST_YEAR, 12, 31)


def today_in_london() -> dt.date:
    return utcnow().astimezone(LONDON).date()


@dataclass(frozen=True)
class Requester:
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class NewAttachment:
    """A file the request came with, already stored (and queued for its virus scan) by ``shared.files``.

    ``description`` says what it is (for a form upload, the question it answered);
    ``added_by`` defaults to the requester.
    """

    file_id: str
    description: str = ""
    added_by: str = ""


@dataclass(frozen=True)
class Answer:
    """One question of the form the requester filled in, and their answer as they saw it."""

    question: str
    answer: str


#: Where a case keeps its requester's answers (``details``), in the order they were asked.
FORM_ANSWERS = "form_answers"
ATTACHMENT_DESCRIPTION_LIMIT = 300


@dataclass(frozen=True)
class NewCase:
    case_type: str
    subject: str
    description: str
    requester: Requester
    received_on: dt.date | None = None
    channel: str = Channel.WEB_FORM.value
    priority: str = Priority.NORMAL.value
    details: dict[str, Any] = field(default_factory=dict)
    #: The requester's own answers, shown on the case page as they gave them.
    answers: tuple[Answer, ...] = ()
    attachments: tuple[NewAttachment, ...] = ()


def validate(new: NewCase) -> dict[str, str]:
    """Field errors keyed as the API names them (``requester.email``), worded for people."""
    errors: dict[str, str] = {}
    requester = new.requester
    if not requester.name.strip():
        errors["requester.name"] = "Enter the requester's name"
    elif len(requester.name) > LIMITS["name"]:
        errors["requester.name"] = "Name must be 200 characters or fewer"
    if requester.email:
        if (problem := address_error(requester.email)) is not None:  # the mailer's own rule, so it can be mailed
            errors["requester.email"] = problem
    elif not (requester.address or "").strip():  # spaces alone are no address to reply to
        errors["requester.email"] = "Enter an email address or a postal address so we can reply"
    if requester.phone and (len(requester.phone) > LIMITS["phone"] or not re.fullmatch(r"[0-9+() \-]{6,40}", requester.phone)):
        errors["requester.phone"] = "Enter a telephone number, like 01632 960 001 or +44 808 157 0192"
    if requester.address and len(requester.address) > LIMITS["address"]:
        errors["requester.address"] = "Address must be 1000 characters or fewer"
    if not new.subject.strip():
        errors["subject"] = "Enter a subject"
    elif len(new.subject) > LIMITS["subject"]:
        errors["subject"] = "Subject must be 300 characters or fewer"
    if not new.description.strip():
        errors["description"] = "Enter a description of the request"
    elif len(new.description) > LIMITS["description"]:
        errors["description"] = "Description must be 20,000 characters or fewer"
    if new.channel not in {c.value for c in Channel}:
        errors["channel"] = "Channel must be one of: " + ", ".join(c.value for c in Channel)
    if new.priority not in {p.value for p in Priority}:
        errors["priority"] = "Priority must be normal, high or urgent"
    if new.received_on is not None and (problem := received_on_error(new.received_on)):
        errors["received_on"] = problem
    return errors


def received_on_error(received_on: dt.date) -> str | None:
    """What is wrong with a date of receipt: before the calendar, in the future, or after the calendar."""
    if received_on < EARLIEST_RECEIVED:
        return f"Date received must be on or after {_day(EARLIEST_RECEIVED)}"
    if received_on > today_in_london():
        return "Date received must be today or in the past"
    if received_on > LATEST_RECEIVED:
        return f"Date received must be on or before {_day(LATEST_RECEIVED)}"
    return None


def _attachment_files(session: Session, new: NewCase, errors: dict[str, str]) -> list[StoredFile]:
    """Each attachment's stored file: it must exist, be named once, and belong to no case yet."""
    ids = [a.file_id for a in new.attachments]
    files = {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))} if ids else {}
    taken = set(session.scalars(select(CaseAttachment.file_id).where(CaseAttachment.file_id.in_(ids)))) if ids else set()
    if len(set(ids)) != len(ids) or set(ids) - set(files) or taken:
        errors["attachments"] = "Each attachment must be a file we hold that belongs to no other case"
    elif any(len(a.description) > ATTACHMENT_DESCRIPTION_LIMIT for a in new.attachments):
        errors["attachments"] = f"Attachment descriptions must be {ATTACHMENT_DESCRIPTION_LIMIT} characters or fewer"
    return [files[i] for i in ids if i in files]


def next_reference(session: Session, case_type: CaseType, year: int) -> tuple[int, str]:
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt = (
        insert(CaseReferenceCounter)
        .values(case_type_id=case_type.id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[CaseReferenceCounter.case_type_id, CaseReferenceCounter.year],
            set_={"last_number": CaseReferenceCounter.last_number + 1},
        )
        .returning(CaseReferenceCounter.last_number)
    )
    number = int(session.execute(stmt).scalar_one())
    return number, f"{case_type.reference_prefix}-{year}-{number:05d}"


def create_case(session: Session, actor: audit.Actor, new: NewCase, *, acknowledge: bool = False,
                historical: bool = False) -> Case:
    """Validate, number, clock and record a new case with its automatic tasks and the files it came with;
    nothing is stored on refusal.

    Publishes ``CaseCreated``: the responsible team hears of it, and the requester is acknowledged
    when ``acknowledge`` says so (Capture, the API and the staff form do; an import does not). A
    ``historical`` case (one imported already answered) is news to nobody: its team is not told either.
    """
    errors = validate(new)
    files = _attachment_files(session, new, errors)
    try:
        case_type = get_case_type(session, new.case_type)
    except Exception:  # noqa: BLE001 - reported as a field error like the others
        errors["case_type"] = "Case type must be one of the configured case types"
        case_type = None
    if errors or case_type is None:
        raise InvalidInput("The case could not be created", errors)
    received_on = new.received_on or today_in_london()
    # Everything read first: on PostgreSQL numbering locks the type's counter row until commit,
    # and every other new case of the type waits for it.
    engine = deadline_engine(session)
    try:
        deadline = compute_deadline(session, case_type, received_on, engine=engine)
    except CalendarError as exc:  # received in the calendar's last weeks: the due date would fall after it
        raise InvalidInput("The case could not be created", {
            "received_on": f"Date received is too late: its due date would be after {_day(LATEST_RECEIVED)}, "
                           "the last day the deadline calendar covers"}) from exc
    calendar = calendar_of(session, case_type, engine)
    status = status_of_kind(session, case_type.id, StatusKind.OPEN)
    templates = list(session.scalars(
        select(TaskTemplate).where(TaskTemplate.case_type_id == case_type.id, TaskTemplate.auto_create.is_(True))
    ))
    number, reference = next_reference(session, case_type, received_on.year)
    now = utcnow()
    case = Case(
        reference=reference, case_type_id=case_type.id, year=received_on.year, number=number,
        requester_name=new.requester.name.strip(),
        requester_email=(new.requester.email or "").strip().lower() or None,
        requester_phone=(new.requester.phone or "").strip() or None,
        requester_address=(new.requester.address or "").strip() or None,
        subject=new.subject.strip(), description=new.description.strip(), details=_details(new),
        channel=new.channel, priority=new.priority, received_on=received_on, due_on=deadline.due_on,
        status_id=status.id, team_group_id=case_type.responsible_group_id, created_at=now, updated_at=now,
    )
    session.add(case)
    session.flush()
    for template in templates:
        due = None if template.due_in_working_days is None else calendar.add_working_days(received_on, template.due_in_working_days)
        session.add(Task(case_id=case.id, title=template.title, description=template.description,
                         group_id=template.group_id, due_on=due))
    audit.record(session, actor, "case.created", "case", case.reference,
                 f"{case_type.name} received by {new.channel} on {received_on:%-d %B %Y}; due {_day(deadline.due_on)}",
                 {"due_on": deadline.due_on.isoformat() if deadline.due_on else None, "channel": new.channel})
    _attach(session, actor, case, new, files)
    events.publish(session, events.CaseCreated(case.id, actor, acknowledge=acknowledge, historical=historical))
    return case


def _details(new: NewCase) -> dict[str, Any]:
    details = dict(new.details)
    if new.answers:
        details[FORM_ANSWERS] = [{"question": a.question, "answer": a.answer} for a in new.answers]
    return details


def _attach(session: Session, actor: audit.Actor, case: Case, new: NewCase, files: list[StoredFile]) -> None:
    """The request's files become the case's attachments, each recorded on its timeline."""
    default_by = f"{case.requester_name} (requester)"
    for attachment, stored in zip(new.attachments, files, strict=True):
        row = CaseAttachment(case_id=case.id, file_id=stored.id, description=attachment.description.strip(),
                             added_by=(attachment.added_by or default_by)[:320], created_at=case.created_at)
        session.add(row)
        session.flush()
        audit.record(session, actor, "case.attachment_added", "case", case.reference,
                     f"File attached: {stored.original_name}",
                     {"attachment_id": row.id, "file_id": stored.id, "name": stored.original_name})


def _day(value: dt.date | None) -> str:
    return "not set while the clock is stopped" if value is None else value.strftime("%-d %B %Y")
