"""The full case list: one row per case received in a period, in a documented set of 44 columns.

The Ministry of Justice's correspondence tool exports 45 columns; these are ours, named in the domain's
words, each with its definition (the download's Definitions sheet and the README say the same). Rows
come from a database cursor a few thousand at a time and go straight to the writer, so a million cases
are written in flat memory. Working days are counted on each type's calendar; a date its calendar does
not cover is left empty rather than guessed.

The export holds requesters' personal data: whoever asks for one is recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backoffice.cases.exemptions import exemptions_of
from backoffice.cases.models import Case, CaseRestriction, CaseStatus, CaseType, ClockEventRecord
from backoffice.cases.outcomes import OFFICIAL_LABELS, REFUSAL_LABELS, classify
from backoffice.clocks import LONDON, EventKind, WorkingDayCalendar
from backoffice.deadlines.due_dates import calendar_of
from backoffice.disclosures.models import PUBLISHED, Publication
from backoffice.reporting.facts import TypeSets
from backoffice.reporting.periods import Period
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import tables

#: Cases read from the database at a time.
BATCH = 2000


@dataclass(frozen=True)
class ExportColumn:
    key: str
    heading: str
    definition: str
    kind: tables.Kind = "text"


COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("reference", "Reference", "The case's reference."),
    ExportColumn("type", "Type", "The type of case."),
    ExportColumn("law", "Law", "The law the case is answered under, from its type's deadline rule."),
    ExportColumn("rule", "Deadline rule", "The rule its due date is counted by."),
    ExportColumn("status", "Status now", "The case's status when the export was made."),
    ExportColumn("open", "Open now", "Yes while the case is not closed."),
    ExportColumn("team", "Team", "The team the case is with now."),
    ExportColumn("owner", "Owner", "The member of staff who owns the case now."),
    ExportColumn("channel", "Channel", "How the request arrived."),
    ExportColumn("priority", "Priority", "The case's priority."),
    ExportColumn("received_on", "Received", "The day the request was received.", "date"),
    ExportColumn("due_on", "Due", "The due date now, with every extension and pause.", "date"),
    ExportColumn("responded_on", "Answered", "The day the answer went out.", "date"),
    ExportColumn("closed_on", "Closed", "The day the case was closed (Europe/London).", "date"),
    ExportColumn("outcome", "Outcome", "The outcome as the case type words it."),
    ExportColumn("outcome_key", "Outcome key", "The outcome's stable key."),
    ExportColumn("official_outcome", "Official outcome", "The outcome in the Cabinet Office's vocabulary."),
    ExportColumn("refusal_reason", "Refusal reason", "Why a request was refused in full."),
    ExportColumn("exemptions", "Exemptions", "The exemptions or exceptions applied, by section."),
    ExportColumn("exemption_keys", "Exemption keys", "The exemptions' stable keys, separated by semicolons."),
    ExportColumn("exemption_count", "Number of exemptions", "How many exemptions or exceptions were applied.",
                 "integer"),
    ExportColumn("extended", "Deadline extended", "Yes when the deadline was extended as the law allows."),
    ExportColumn("extension_days", "Extension length (working days)",
                 "Working days the deadline moved past the limit without extension.", "integer"),
    ExportColumn("clock_stopped", "Clock stopped", "Yes when the clock was stopped (clarification, fee, identity)."),
    ExportColumn("in_time", "In time", "Answered by the due date: Yes, No, or Not yet for an open case."),
    ExportColumn("days_taken", "Working days taken", "Working days from receipt to answer.", "integer"),
    ExportColumn("days_late", "Working days late", "Working days after the due date it was answered, or is now.",
                 "integer"),
    ExportColumn("overdue_now", "Overdue now", "Yes when open with the due date passed."),
    ExportColumn("escalated", "Escalated", "Yes when the case has been escalated."),
    ExportColumn("restricted", "Restricted", "Yes when only named teams may see the case."),
    ExportColumn("published", "Published to the disclosure log", "Yes when the response is in the disclosure log."),
    ExportColumn("review_of", "Review of", "For a review or complaint to the regulator: the original request."),
    ExportColumn("subject", "Subject", "The case's subject."),
    ExportColumn("requester_name", "Requester name", "The requester's name (personal data)."),
    ExportColumn("requester_email", "Requester email", "The requester's email address (personal data)."),
    ExportColumn("requester_phone", "Requester phone", "The requester's phone number (personal data)."),
    ExportColumn("requester_address", "Requester address", "The requester's postal address (personal data)."),
    ExportColumn("year", "Reference year", "The year in the case's reference.", "integer"),
    ExportColumn("number", "Reference number", "The number in the case's reference.", "integer"),
    ExportColumn("created_on", "Created", "The day the case was created in the system.", "date"),
    ExportColumn("updated_on", "Last changed", "The day the case last changed.", "date"),
    ExportColumn("received_month", "Month received", "The month received, for grouping (YYYY-MM)."),
    ExportColumn("received_quarter", "Quarter received", "The calendar quarter received, as the Cabinet Office counts."),
    ExportColumn("days_open", "Calendar days open", "Calendar days from receipt to closing, or to today if open.",
                 "integer"),
)


def table_columns() -> list[tables.Column]:
    return [tables.Column(c.key, c.heading, c.definition, c.kind) for c in COLUMNS]


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def cases_in(period: Period) -> Select[Any]:
    return select(Case.id).where(Case.received_on.between(period.start, period.end))


def count(session: Session, period: Period) -> int:
    return int(session.scalar(select(func.count()).select_from(cases_in(period).subquery())) or 0)


class _Lookups:
    """Names and calendars every row needs, read once per export."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.types = {t.id: t for t in session.scalars(select(CaseType))}
        self.type_sets = TypeSets.load(session)
        self.statuses = {s.id: s.label for s in session.scalars(select(CaseStatus))}
        self.teams = {row.id: row.name for row in session.execute(select(Group.id, Group.name))}
        self.owners = {row.id: row.name for row in session.execute(select(StaffUser.id, StaffUser.name))}
        self.outcomes = {t.id: {o["key"]: o for o in t.closure_outcomes or ()} for t in self.types.values()}
        self.calendars: dict[int, WorkingDayCalendar] = {}

    def calendar(self, type_id: int) -> WorkingDayCalendar:
        if type_id not in self.calendars:
            self.calendars[type_id] = calendar_of(self.session, self.types[type_id])
        return self.calendars[type_id]

    def working_days(self, type_id: int, start: dt.date | None, end: dt.date | None) -> int | None:
        if start is None or end is None:
            return None
        try:
            return self.calendar(type_id).working_days_between(start, end)
        except Exception:  # noqa: BLE001 - a date outside the calendar's years: leave the cell empty
            return None


def _batch_facts(session: Session, ids: list[int]) -> dict[str, Any]:
    events: dict[int, set[str]] = {}
    for case_id, kind in session.execute(select(ClockEventRecord.case_id, ClockEventRecord.kind)
                                         .where(ClockEventRecord.case_id.in_(ids))):
        events.setdefault(case_id, set()).add(kind)
    restricted = set(session.scalars(select(CaseRestriction.case_id).where(CaseRestriction.case_id.in_(ids))))
    published = set(session.scalars(select(Publication.case_id).where(Publication.case_id.in_(ids),
                                                                      Publication.status == PUBLISHED)))
    originals: dict[int, str] = {}
    review_of = getattr(Case, "review_of_id", None)
    if review_of is not None:
        pairs = session.execute(select(Case.id, review_of).where(Case.id.in_(ids), review_of.is_not(None))).all()
        refs = dict(session.execute(select(Case.id, Case.reference)
                                    .where(Case.id.in_([p[1] for p in pairs]))).all()) if pairs else {}
        originals = {case_id: refs.get(original, "") for case_id, original in pairs}
    return {"events": events, "restricted": restricted, "published": published, "originals": originals}


def _row(case: Case, look: _Lookups, facts: dict[str, Any], today: dt.date) -> list[tables.Cell]:
    entry = look.outcomes.get(case.case_type_id, {}).get(case.outcome or "", {})
    classified = classify(entry) if entry else None
    law = look.type_sets.laws.get(case.case_type_id)
    labels = exemptions_of(law)
    kinds = facts["events"].get(case.id, set())
    extended = EventKind.EXTENDED.value in kinds
    calendar_days = ((case.closed_at.astimezone(LONDON).date() if case.closed_at else today) - case.received_on).days
    taken = look.working_days(case.case_type_id, case.received_on, case.responded_on)
    late_until = case.responded_on or (today if case.closed_at is None else None)
    late = look.working_days(case.case_type_id, case.due_on, late_until) if case.due_on and late_until else None
    extension = None
    if extended and case.due_on is not None:
        try:
            limit = look.calendar(case.case_type_id).add_working_days(case.received_on, 20)
            extension = max(0, look.calendar(case.case_type_id).working_days_between(limit, case.due_on))
        except Exception:  # noqa: BLE001 - outside the calendar's years
            extension = None
    if case.responded_on is not None:
        in_time = _yes(case.due_on is None or case.responded_on <= case.due_on)
    else:
        in_time = "Not yet" if case.closed_at is None else "Not answered"
    quarter = f"{case.received_on.year}-Q{(case.received_on.month - 1) // 3 + 1}"
    return [
        case.reference, look.types[case.case_type_id].name, law.value if law else "",
        look.type_sets.rules.get(case.case_type_id, ""), look.statuses.get(case.status_id, ""),
        _yes(case.closed_at is None), look.teams.get(case.team_group_id or 0, ""),
        look.owners.get(case.owner_id or 0, ""), case.channel, case.priority, case.received_on, case.due_on,
        case.responded_on, case.closed_at.astimezone(LONDON).date() if case.closed_at else None,
        entry.get("label", case.outcome or ""), case.outcome or "",
        OFFICIAL_LABELS[classified.category] if classified else "",
        REFUSAL_LABELS[classified.reason] if classified and classified.reason else "",
        "; ".join(labels.get(key, key) for key in case.exemptions or ()), ";".join(case.exemptions or ()),
        len(case.exemptions or ()), _yes(extended), extension,
        _yes(bool(kinds & {EventKind.CLARIFICATION_REQUESTED.value, EventKind.FEE_REQUESTED.value,
                           EventKind.IDENTITY_REQUESTED.value, EventKind.PAUSED.value})),
        in_time, taken, max(0, late) if late is not None else None,
        _yes(case.closed_at is None and case.due_on is not None and case.due_on < today),
        _yes(case.escalated), _yes(case.id in facts["restricted"]), _yes(case.id in facts["published"]),
        facts["originals"].get(case.id, ""), case.subject, case.requester_name, case.requester_email or "",
        case.requester_phone or "", case.requester_address or "", case.year, case.number,
        case.created_at.astimezone(LONDON).date(), case.updated_at.astimezone(LONDON).date(),
        f"{case.received_on:%Y-%m}", quarter, calendar_days,
    ]


def rows(session: Session, period: Period, today: dt.date,
         progress: Callable[[int], None] | None = None) -> Iterator[Sequence[tables.Cell]]:
    """Every case received in the period, oldest first, read ``BATCH`` at a time by id (keyset, so the
    thousandth batch costs what the first did)."""
    look = _Lookups(session)
    last_id = 0
    written = 0
    while True:
        batch = list(session.scalars(select(Case).where(Case.received_on.between(period.start, period.end),
                                                        Case.id > last_id).order_by(Case.id).limit(BATCH)))
        if not batch:
            return
        facts = _batch_facts(session, [c.id for c in batch])
        for case in batch:
            yield _row(case, look, facts, today)
        last_id = batch[-1].id
        written += len(batch)
        for case in batch:  # keep the session's identity map small: a million cases pass through it
            session.expunge(case)
        if progress is not None:
            progress(written)


def table(session: Session, period: Period, today: dt.date,
          progress: Callable[[int], None] | None = None) -> tables.Table:
    return tables.Table(f"Cases received {period.label}", table_columns(), rows(session, period, today, progress),
                        notes=(f"Cases received {period.label}, as they were on {today:%-d %B %Y}.",
                               "Requester columns are personal data: keep this file as the body's policy says."))


__all__ = ["BATCH", "COLUMNS", "ExportColumn", "count", "rows", "table", "table_columns"]
