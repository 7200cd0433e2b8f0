"""Bringing cases in from a spreadsheet, and taking them out to one.

An import is all or nothing: every row is checked before any case is created,
and the cases are then created through ``create_case`` (the one door every case
comes in by) inside a savepoint of the caller's transaction, so a failure half
way leaves no half-imported batch behind. A person fixing a file needs every
problem at once, so the report lists them all by spreadsheet row and column.

An export holds requesters' personal data: it contains only the cases the user
may see, and is written row by row so thousands of cases do not sit in memory.
Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from backoffice.cases.case_types import status_of_kind
from backoffice.cases.models import (
    Case,
    CaseStage,
    CaseStatus,
    CaseType,
    Channel,
    ClockEventRecord,
    Priority,
    StatusKind,
    Task,
)
from backoffice.cases.outcomes import ReviewOutcome
from backoffice.cases.queues import CaseFilter, apply_filter
from backoffice.cases.stages import escalate
from backoffice.cases.transfer_formats import (
    EXPORT_COLUMNS,
    HISTORY_COLUMNS,
    IMPORT_COLUMNS,
    KEPT_STAGES,
    MAX_BYTES,
    MAX_ROWS,
    STAGE_COLUMNS,
    STAGE_DATES,
    TEMPLATE_COLUMNS,
    Cell,
    FileRefused,
    Format,
    RowInput,
    parse,
    template,
    write_table,
)
from backoffice.cases.workflow import allowed_exemptions, close_errors, outcome_key
from backoffice.clocks import EventKind
from backoffice.deadlines.actions import extend
from backoffice.deadlines.rules import STAGED_PREFIX, effective_rule
from backoffice.intake.new_cases import LONDON, NewCase, Requester, create_case, today_in_london, validate
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import audit
from shared.errors import DomainError, InvalidInput

__all__ = [
    "EXPORT_COLUMNS", "HISTORY_COLUMNS", "IMPORT_COLUMNS", "MAX_BYTES", "MAX_ROWS", "STAGE_COLUMNS",
    "TEMPLATE_COLUMNS", "Closure", "FileRefused", "Format", "ImportReport", "KeptStage", "RowError", "RowInput",
    "StageHistory", "check_history", "check_stages", "error_report_csv", "export_cases", "format_of",
    "import_cases", "parse", "template", "write_export",
]

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d takes every script's)


@dataclass(frozen=True)
class RowError:
    """One problem, placed where a person will find it: ``row`` as the spreadsheet numbers it, ``field`` its column."""

    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import did: the references created, or (and then nothing was created) every problem found."""

    created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowFailed(Exception):
    """Carries a refusal from ``create_case`` out of the savepoint, so the savepoint rolls back."""

    def __init__(self, row: int, error: DomainError) -> None:
        super().__init__(error.detail)
        self.row = row
        self.error = error


def format_of(filename: str) -> Format:
    """The format a file to be written should have, from its name (the CLI's export and template)."""
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith(".csv"):
        return "csv"
    raise FileRefused("Name the file .xlsx or .csv", {"file": "Name the file .xlsx or .csv"})


# --- import ---------------------------------------------------------------------------------

def import_cases(
    session: Session, actor: audit.Actor, rows: Sequence[RowInput], *, dry_run: bool = False, source: str = "",
) -> ImportReport:
    """Check every row, then create every case, or create none.

    ``dry_run`` goes as far as creating the cases (so anything only creation
    would catch is caught) and then rolls the savepoint back.
    """
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    if not rows:
        report.errors.append(RowError(2, "", "There are no cases under the header row"))
        return report
    types = {case_type.key: case_type for case_type in session.scalars(
        select(CaseType).where(CaseType.active.is_(True)).order_by(CaseType.position, CaseType.id))}
    type_keys = list(types)
    closing = {key: ClosingRules(case_type, allowed_exemptions(session, case_type)) for key, case_type in types.items()}
    staged = {key for key, case_type in types.items() if effective_rule(session, case_type).key.startswith(STAGED_PREFIX)}
    checked: list[Checked] = []
    for row in rows:
        new, errors = check_row(row, type_keys)
        closure, history_errors = check_history(row, closing.get(new.case_type) if new else None)
        type_key = row.case_type.lower()
        history, stage_errors = check_stages(row, type_key in staged if type_key in types else None, closure)
        if history_errors or stage_errors:
            errors = _row_errors(row.row, {e.field: e.message for e in (*errors, *history_errors, *stage_errors)})
        report.errors.extend(errors)
        if new is not None and not errors:
            if closure is not None and closure.review_outcome:
                new = replace(new, details={**new.details, REVIEW_OUTCOME: closure.review_outcome})
            checked.append(Checked(row.row, new, closure, history))
    if report.errors:
        return report
    try:
        report.created = _create_all(session, actor, checked, dry_run, source)
    except _RowFailed as failed:
        report.errors = _row_errors(failed.row, failed.error.errors or {"": failed.error.detail})
    return report


@dataclass(frozen=True)
class Checked:
    """A row that passed every check: the case to create, and the history to give it."""

    row: int
    new: NewCase
    closure: Closure | None
    stages: StageHistory | None


def _create_all(session: Session, actor: audit.Actor, checked: list[Checked], dry_run: bool, source: str) -> list[str]:
    created: list[str] = []
    with session.begin_nested() as savepoint:
        for item in checked:
            try:
                # Acknowledges nobody (an import never asks it to); a case already answered tells no team either.
                case = create_case(session, actor, item.new, historical=item.closure is not None)
                if item.stages is not None:
                    _replay_stages(session, actor, case, item.stages)
            except DomainError as exc:
                raise _RowFailed(item.row, exc) from exc
            if item.closure is not None:
                _close_historical(session, actor, case, item.closure)
            created.append(case.reference)
        batch = uuid.uuid4().hex[:12]
        audit.record(session, actor, "cases.imported", "import", batch,
                     f"{len(created)} case{'s' if len(created) != 1 else ''} imported"
                     + (f" from {source}" if source else ""),
                     {"count": len(created), "source": source, "references": created})
        session.flush()
        if dry_run:
            savepoint.rollback()
            return []
    return created


def check_row(row: RowInput, type_keys: Sequence[str]) -> tuple[NewCase | None, list[RowError]]:
    """The case a row describes, or why it cannot be one, with the checks ``create_case`` itself makes."""
    errors: dict[str, str] = dict(row.problems)
    case_type = row.case_type.lower()
    if not case_type:
        errors["case_type"] = "Enter the case type: " + ", ".join(type_keys)
    elif case_type not in type_keys:
        errors["case_type"] = f"{_quote(row.case_type)} is not a case type: use one of " + ", ".join(type_keys)
    received_on, date_error = _received_on(row.received_on)
    if date_error:
        errors["received_on"] = date_error
    new = NewCase(
        case_type=case_type, subject=row.subject, description=row.description,
        requester=Requester(name=row.requester_name, email=row.requester_email or None,
                            phone=row.requester_phone or None, address=row.requester_address or None),
        received_on=received_on,
        channel=re.sub(r"[_\-]", " ", row.channel.lower()) or Channel.POST.value,
        priority=row.priority.lower() or Priority.NORMAL.value,
    )
    for key, message in validate(new).items():
        errors.setdefault(key.replace(".", "_"), message)
    if errors:
        return None, _row_errors(row.row, errors)
    return new, []


# --- closed historical cases ---------------------------------------------------------------

#: Where a historical case keeps how its review ended (``outcomes.ReviewOutcome``), for the returns to read.
REVIEW_OUTCOME = "review_outcome"
#: The hour (Europe/London) a historical case is recorded as closed on its response date: no time is known.
CLOSED_AT_HOUR = dt.time(17, 0)


@dataclass(frozen=True)
class ClosingRules:
    """What a closure of one case type may record: its outcomes (on the type) and its law's exemptions."""

    case_type: CaseType
    exemptions: Mapping[str, str]


@dataclass(frozen=True)
class Closure:
    """How a historical case ended, checked: it is imported closed with these facts."""

    outcome: str
    exemptions: tuple[str, ...]
    responded_on: dt.date
    review_outcome: str | None = None


def check_history(row: RowInput, rules: ClosingRules | None) -> tuple[Closure | None, list[RowError]]:
    """The closure a row describes (None for an open case), or why it is impossible, by the close page's rules.

    ``rules`` is None when the row's case type is already wrong: the closure's own columns are still
    checked as far as they can be without one, so the person sees every problem at once.
    """
    if not row.historical:
        return None, []
    errors: dict[str, str] = {}
    responded_on, date_error = _date(row.responded_on, "the date the response was sent", "responded_on")
    if date_error:
        errors["responded_on"] = date_error
    exemptions = tuple(sorted({part.strip() for part in re.split(r"[,;]", row.exemptions) if part.strip()}))
    review = row.review_outcome.strip().lower() or None
    if review is not None and review not in set(ReviewOutcome):
        errors["review_outcome"] = "Review outcome must be one of " + ", ".join(ReviewOutcome)
    outcome = row.outcome.strip().lower()
    if not outcome:
        errors["outcome"] = ("Enter the outcome of the answered request, or leave responded_on, refusal_reason, "
                             "exemptions and review_outcome empty for an open case")
    elif rules is not None:
        # An export writes the type's label ("Not upheld"): read it back as its key.
        labels = {str(o["label"]).strip().lower(): o["key"] for o in rules.case_type.closure_outcomes}
        outcome = labels.get(outcome, outcome)
        try:
            outcome = outcome_key(rules.case_type, outcome, row.refusal_reason.strip().lower() or None)
        except InvalidInput as exc:
            errors.update(exc.errors)
        else:
            received = row.received_on if isinstance(row.received_on, dt.date) else _received_on(row.received_on)[0]
            found = close_errors(rules.case_type, received, outcome, exemptions, rules.exemptions, responded_on)
            if "exemptions" in found and exemptions and not all(e in rules.exemptions for e in exemptions):
                unknown = [e for e in exemptions if e not in rules.exemptions]
                found["exemptions"] = (
                    ", ".join(unknown) + (" is not an exemption" if len(unknown) == 1 else " are not exemptions")
                    + f" of {rules.case_type.name}: use " + ", ".join(rules.exemptions) if rules.exemptions else
                    f"{rules.case_type.name} cases record no exemptions: empty the cell")
            elif "exemptions" in found:
                found["exemptions"] = ("An outcome granted in full has no exemptions: empty the cell, or give "
                                       "another outcome")
            if "responded_on" in found:
                found["responded_on"] = found["responded_on"].replace("The date the response was sent", "responded_on")
            errors.update(found)
    if errors or responded_on is None:
        return None, _row_errors(row.row, errors)
    return Closure(outcome, exemptions, responded_on, review), []


def _close_historical(session: Session, actor: audit.Actor, case: Case, closure: Closure) -> None:
    """Close a just-imported case as it was closed before the system, telling nobody.

    Not ``workflow.close``: that tells the requester the outcome, and these requesters were answered long
    ago. Its automatic tasks are cancelled, since the work they stand for was done.
    """
    closed = status_of_kind(session, case.case_type_id, StatusKind.CLOSED)
    closed_at = dt.datetime.combine(closure.responded_on, CLOSED_AT_HOUR, LONDON).astimezone(dt.UTC)
    for task in session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")):
        task.status, task.finished_at, task.finished_by = "cancelled", closed_at, "Import of a closed case"
    case.status_id, case.status = closed.id, closed
    case.outcome = closure.outcome
    case.exemptions = list(closure.exemptions)
    case.responded_on = closure.responded_on
    case.closed_at = closed_at
    label = {o["key"]: o["label"] for o in case.case_type.closure_outcomes}[closure.outcome]
    audit.record(session, actor, "case.closed", "case", case.reference,
                 f"Imported closed: {label}; response sent {closure.responded_on:%-d %B %Y}",
                 {"outcome": closure.outcome, "exemptions": list(closure.exemptions),
                  "responded_on": closure.responded_on.isoformat(), "review_outcome": closure.review_outcome,
                  "historical": True})


# --- a complaint's stages ------------------------------------------------------------------

#: The reason recorded with an extension an import replays: the file gives only its day.
IMPORTED_EXTENSION = "Extended before the case was imported"


@dataclass(frozen=True)
class KeptStage:
    """A stage the complaint left before it was imported, as it stood then (a ``case_stages`` row)."""

    stage: int
    started_on: dt.date
    due_on: dt.date | None
    responded_on: dt.date | None
    extended_on: dt.date | None
    ended_on: dt.date


@dataclass(frozen=True)
class StageHistory:
    """Where a complaint stood in the complaint-handling code: the stage it is at, that stage's extension,
    and the stages it left on the way."""

    stage: int
    extended_on: dt.date | None
    kept: tuple[KeptStage, ...]


def check_stages(row: RowInput, staged: bool | None, closure: Closure | None,
                 *, today: dt.date | None = None) -> tuple[StageHistory | None, list[RowError]]:
    """The stages a row describes (None for none), or why they are impossible.

    ``staged`` says whether the row's case type is handled in stages (None: the type is already wrong, and
    the columns are checked as far as they can be without it). Every stage must follow the one before: a
    stage begins on the day the last ended (stage 1 on receipt), and its answer and extension fall within it.
    """
    filled = [name for name in STAGE_COLUMNS if getattr(row, name)]
    if not filled:
        return None, []
    if staged is False:
        return None, _row_errors(row.row, {filled[0]: "Only complaints are handled in stages: empty "
                                           + ", ".join(filled)})
    errors: dict[str, str] = {}
    text = row.stage.strip()
    stage = int(text) if text.isascii() and text.isdigit() else 0
    if text == "":
        stage = 1
    last = KEPT_STAGES[-1] + 1 if KEPT_STAGES else 1
    if not 1 <= stage <= last:
        errors["stage"] = "Stage must be " + " or ".join(str(n) for n in range(1, last + 1))
    dates: dict[str, dt.date | None] = {}
    for name in STAGE_COLUMNS[1:]:
        value = getattr(row, name)
        if not value:
            dates[name] = None
            continue
        dates[name], error = _date(value, name)
        if error:
            errors[name] = error
    received = _received_on(row.received_on)[0]
    day = today or today_in_london()
    begins = received  # the day the next stage begins: stage 1 on receipt, each later one when the last ended
    kept: list[KeptStage] = []
    for n in KEPT_STAGES:
        named = {date: f"stage{n}_{date}" for date in ("started_on", "due_on", "responded_on", "extended_on",
                                                       "ended_on")}
        given = [column for column in named.values() if getattr(row, column)]
        if stage and n >= stage:
            if given:
                errors.setdefault(given[0], f"The stage {n} columns are for a complaint escalated past stage {n}: "
                                            f"give stage {n + 1} in stage, or empty " + ", ".join(given))
            continue
        if "stage" in errors:
            continue
        started = dates[named["started_on"]] or begins
        ended = dates[named["ended_on"]]
        after = "received_on" if n == 1 else f"stage{n - 1}_ended_on"
        if not getattr(row, named["ended_on"]):
            errors[named["ended_on"]] = (f"A complaint at stage {stage} needs stage {n}'s dates: enter "
                                         f"{named['ended_on']}, the day it was escalated to stage {n + 1}")
        if dates[named["started_on"]] is not None and begins is not None and started != begins:
            errors.setdefault(named["started_on"], f"Stage {n} begins on {after}, {begins:%-d %B %Y}: "
                                                   "give that day, or leave the cell empty")
        if started is None or ended is None:
            begins = ended
            continue
        order = (("due_on", started, None, f"on or after {named['started_on']}"),
                 ("responded_on", started, ended, f"from {named['started_on']} to {named['ended_on']}"),
                 ("extended_on", started, ended, f"from {named['started_on']} to {named['ended_on']}"))
        for date, earliest, latest, where in order:
            value = dates[named[date]]
            if value is not None and (value < earliest or (latest is not None and value > latest)):
                errors.setdefault(named[date], f"{named[date]} must be {where} ({_span(earliest, latest)})")
        if ended < started:
            errors.setdefault(named["ended_on"], f"{named['ended_on']} must be on or after {named['started_on']}, "
                                                 f"{started:%-d %B %Y}")
        elif ended > day:
            errors.setdefault(named["ended_on"], f"{named['ended_on']} must be today or in the past")
        kept.append(KeptStage(n, started, dates[named["due_on"]], dates[named["responded_on"]],
                              dates[named["extended_on"]], ended))
        begins = ended
    extended = dates["stage_extended_on"]
    if begins is not None and "stage" not in errors:
        label = "received_on" if stage == 1 else f"stage{stage - 1}_ended_on"
        if extended is not None and (extended < begins or extended > day
                                     or (closure is not None and extended > closure.responded_on)):
            errors["stage_extended_on"] = (f"stage_extended_on must be within stage {stage}: on or after {label}, "
                                           f"{begins:%-d %B %Y}, and not after " + (
                                               "responded_on" if closure is not None else "today"))
        if closure is not None and stage > 1 and closure.responded_on < begins:
            errors["responded_on"] = (f"At stage {stage}, responded_on is the stage {stage} answer: it must be on or "
                                      f"after {label}, {begins:%-d %B %Y}, the day the stage began")
    if errors:
        return None, _row_errors(row.row, errors)
    return StageHistory(stage, extended, tuple(kept)), []


def _span(earliest: dt.date, latest: dt.date | None) -> str:
    return f"{earliest:%-d %B %Y}" + (f" to {latest:%-d %B %Y}" if latest is not None else " or later")


def _replay_stages(session: Session, actor: audit.Actor, case: Case, history: StageHistory) -> None:
    """Take a just-imported complaint through its stages as the system would have, so its due dates are the
    engine's and its extensions are clock events (the reports count them), keeping each left stage's dates
    as the file gives them. Errors are keyed by the column that caused them."""
    for kept in history.kept:
        if kept.extended_on is not None:
            _step(f"stage{kept.stage}_extended_on", extend, session, actor, case, IMPORTED_EXTENSION,
                  on=kept.extended_on)
        case.responded_on = kept.responded_on
        _step(f"stage{kept.stage}_ended_on", escalate, session, actor, case, on=kept.ended_on)
        if kept.due_on is not None:
            row = session.scalar(select(CaseStage).where(CaseStage.case_id == case.id, CaseStage.stage == kept.stage))
            assert row is not None  # escalate has just kept it
            row.due_on = kept.due_on
    if history.extended_on is not None:
        _step("stage_extended_on", extend, session, actor, case, IMPORTED_EXTENSION, on=history.extended_on)
    session.flush()


def _step(column: str, action: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    try:
        action(*args, **kwargs)
    except DomainError as exc:
        detail = next(iter((exc.errors or {}).values()), exc.detail)
        raise InvalidInput(exc.detail, {column: f"{column}: {detail}"}) from exc


def _received_on(value: str | dt.date) -> tuple[dt.date | None, str]:
    return _date(value, "the date the request was received", "the date received")


def _date(value: str | dt.date, label: str, short: str | None = None) -> tuple[dt.date | None, str]:
    if isinstance(value, dt.date):
        return value, ""
    if not value:
        return None, f"Enter {label}, like 2026-03-02"
    if not ISO_DATE.fullmatch(value):
        return None, f"Enter {short or label} as YYYY-MM-DD, like 2026-03-02, not {_quote(value)}"
    try:
        return dt.date.fromisoformat(value), ""
    except ValueError:
        return None, f"{value} is not a real date"


def _row_errors(row: int, errors: dict[str, str]) -> list[RowError]:
    """In the order of the template's columns, as a person reads across the row."""
    order = {name: index for index, name in enumerate(TEMPLATE_COLUMNS)}
    return [RowError(row, key, errors[key]) for key in sorted(errors, key=lambda k: (order.get(k, len(order)), k))]


def _quote(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def error_report_csv(report: ImportReport) -> bytes:
    """The problems as a CSV to download next to the file, neutralised like any export (messages quote cells)."""
    out = io.BytesIO()
    write_table("csv", out, ("row", "column", "problem"), ([str(e.row), e.field, e.message] for e in report.errors))
    return out.getvalue()


# --- export ---------------------------------------------------------------------------------

def export_cases(
    session: Session, user: StaffUser | None, case_filter: CaseFilter, fmt: Format, *, actor: audit.Actor | None = None,
) -> bytes:
    """The cases ``user`` may see (None: every case, for trusted callers) matching ``case_filter``, as a file."""
    out = io.BytesIO()
    write_export(session, user, case_filter, fmt, out, actor=actor)
    return out.getvalue()


def write_export(
    session: Session, user: StaffUser | None, case_filter: CaseFilter, fmt: Format, out: IO[bytes], *,
    actor: audit.Actor | None = None,
) -> int:
    """As :func:`export_cases`, straight into ``out``; returns the number of cases.

    With an ``actor`` the export is audited: a bulk copy of personal data is
    something a data protection officer must be able to find later.
    """
    count = write_table(fmt, out, EXPORT_COLUMNS, _export_rows(session, user, case_filter))
    if actor is not None:
        audit.record(session, actor, "cases.exported", "export", uuid.uuid4().hex[:12],
                     f"{count} case{'s' if count != 1 else ''} exported as {fmt.upper()}",
                     {"count": count, "format": fmt, "case_types": list(case_filter.case_types),
                      "open_only": case_filter.open_only})
    return count


def _export_rows(session: Session, user: StaffUser | None, case_filter: CaseFilter) -> Iterator[list[Cell]]:
    owner, team = aliased(StaffUser), aliased(Group)
    kept = {n: aliased(CaseStage, name=f"kept{n}") for n in KEPT_STAGES}
    # The extension of the stage the case is at: the first since the stage began (a complaint's only one).
    extended = (select(func.min(ClockEventRecord.on))
                .where(ClockEventRecord.case_id == Case.id, ClockEventRecord.kind == EventKind.EXTENDED.value,
                       ClockEventRecord.on >= func.coalesce(Case.stage_started_on, Case.received_on))
                .scalar_subquery())
    stmt = (
        select(Case.reference, CaseType.key, Case.received_on, Case.subject, Case.description, Case.requester_name,
               Case.requester_email, Case.requester_phone, Case.requester_address, Case.channel, Case.priority,
               CaseStatus.label, Case.due_on, owner.email, team.name, Case.case_type_id, Case.outcome, Case.closed_at,
               Case.responded_on, Case.exemptions, Case.details, Case.stage, extended,
               *(getattr(kept[n], date) for n in KEPT_STAGES for date in STAGE_DATES))
        .select_from(Case)
        .join(CaseType, CaseType.id == Case.case_type_id)
        .join(CaseStatus, CaseStatus.id == Case.status_id)
        .outerjoin(owner, owner.id == Case.owner_id)
        .outerjoin(team, team.id == Case.team_group_id)
    )
    for n, alias in kept.items():
        stmt = stmt.outerjoin(alias, and_(alias.case_id == Case.id, alias.stage == n))
    stmt = apply_filter(session, user, stmt, case_filter).order_by(Case.id)
    outcomes = _outcome_labels(session)
    staged = {case_type.id for case_type in session.scalars(select(CaseType))
              if effective_rule(session, case_type).key.startswith(STAGED_PREFIX)}
    for row in session.execute(stmt.execution_options(yield_per=500)):
        yield _export_row(row, outcomes, staged)


def _export_row(row: Sequence[Any], outcomes: dict[int, dict[str, str]], staged: set[int]) -> list[Cell]:
    (reference, type_key, received_on, subject, description, name, email, phone, address, channel, priority,
     status, due_on, owner, team, type_id, outcome, closed_at, responded_on, exemptions, details, stage,
     extended_on) = row[:23]
    stages: list[Cell] = [str(stage or 1), extended_on, *row[23:]] if type_id in staged else [None] * len(STAGE_COLUMNS)
    return [reference, type_key, received_on, subject, description, name, email, phone, address, channel, priority,
            status, due_on, owner, team, outcomes.get(type_id, {}).get(outcome, outcome) if outcome else None,
            closed_at.astimezone(LONDON).date() if closed_at else None, responded_on,
            ", ".join(exemptions or ()) or None, (details or {}).get(REVIEW_OUTCOME), *stages]


def _outcome_labels(session: Session) -> dict[int, dict[str, str]]:
    """Outcomes are stored as keys; people reading an export want the type's wording for them."""
    return {case_type.id: {o["key"]: o["label"] for o in case_type.closure_outcomes}
            for case_type in session.scalars(select(CaseType))}
