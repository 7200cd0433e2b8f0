"""Case types are configuration in the database; the built-in ones are seeded from data here.

An administrator can rename statuses, add in-progress ones, change transitions,
groups, task templates and outcomes; a type always keeps exactly one open and
one closed status.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import (
    CaseStatus,
    CaseTransition,
    CaseType,
    CaseTypeGroup,
    StatusKind,
    TaskTemplate,
)
from backoffice.cases.outcomes import REVIEW_LABELS
from backoffice.clocks import RULES
from backoffice.staff.groups import Group
from shared import audit
from shared.errors import Conflict, InvalidInput, NotFound

#: How long documents sent securely may stay, in days: the bounds of a type's default (``share_days``),
#: the same as a share's own (``backoffice.releases.state``, which builds on the case core, not under it).
SHARE_MIN_DAYS, SHARE_MAX_DAYS = 1, 90

FOI_OUTCOMES = [
    ("granted_in_full", "Granted in full"),
    ("granted_in_part", "Granted in part"),
    ("refused_in_full", "Refused in full"),
    ("not_held", "Information not held"),
    ("ncnd", "Neither confirm nor deny"),
    ("cost_limit", "Cost limit (s.12)"),
    ("vexatious", "Vexatious (s.14(1))"),
    ("repeated", "Repeated request (s.14(2))"),
    ("advice_and_assistance", "Advice and assistance provided"),
    ("withdrawn", "Withdrawn"),
    ("clarification_not_received", "Clarification not received"),
    ("fee_not_paid", "Fee not paid"),
]


@dataclass(frozen=True)
class BuiltInType:
    key: str
    name: str
    prefix: str
    rule: str
    summary: str
    statuses: tuple[tuple[str, str, StatusKind], ...]
    outcomes: tuple[tuple[str, str], ...]
    tasks: tuple[tuple[str, int | None], ...] = ()
    exemptions: bool = False
    restrictable: bool = False
    web_enabled: bool = True
    group: str = "Information governance"


def _statuses(*middle: tuple[str, str]) -> tuple[tuple[str, str, StatusKind], ...]:
    return (
        ("new", "New", StatusKind.OPEN),
        *((key, label, StatusKind.IN_PROGRESS) for key, label in middle),
        ("closed", "Closed", StatusKind.CLOSED),
    )


BUILT_IN: tuple[BuiltInType, ...] = (
    BuiltInType(
        "foi", "Freedom of Information request", "FOI", "foi",
        "Ask for recorded information we hold, under the Freedom of Information Act 2000.",
        _statuses(("in_progress", "In progress"), ("awaiting_clarification", "Awaiting clarification"),
                  ("awaiting_fee", "Awaiting fee"), ("public_interest_test", "Public interest test"),
                  ("awaiting_approval", "Awaiting approval")),
        tuple(FOI_OUTCOMES), (("Search for the information", 10), ("Draft the response", 15)), exemptions=True,
    ),
    BuiltInType(
        "eir", "Environmental Information request", "EIR", "eir",
        "Ask for environmental information we hold, under the Environmental Information Regulations 2004.",
        _statuses(("in_progress", "In progress"), ("awaiting_clarification", "Awaiting clarification"),
                  ("awaiting_approval", "Awaiting approval")),
        tuple(FOI_OUTCOMES), (("Search for the information", 10),), exemptions=True,
    ),
    BuiltInType(
        "sar", "Subject access request", "SAR", "sar",
        "Ask for a copy of the personal information we hold about you, under the UK GDPR.",
        _statuses(("awaiting_identity", "Awaiting identity"), ("in_progress", "In progress"),
                  ("awaiting_clarification", "Awaiting clarification"), ("redaction", "Redaction")),
        (("provided_in_full", "Provided in full"), ("provided_in_part", "Provided in part"),
         ("no_data_held", "No personal data held"), ("manifestly_unfounded", "Refused: manifestly unfounded or excessive"),
         ("withdrawn", "Withdrawn"), ("identity_not_provided", "Identity not provided"),
         ("clarification_not_received", "Clarification not received")),
        (("Check identity evidence", 3), ("Search systems", 10)), restrictable=True, group="Data protection",
    ),
    BuiltInType(
        "complaint", "Complaint", "COM", "complaint_stage1",
        "Tell us about something we did, or did not do, that you are unhappy with.",
        _statuses(("stage_1", "Stage 1"), ("stage_2", "Stage 2"), ("stage_3", "Stage 3"),
                  ("waiting", "Waiting for requester"), ("no_response", "No response")),
        (("upheld", "Upheld"), ("partly_upheld", "Partly upheld"), ("not_upheld", "Not upheld"),
         ("withdrawn", "Withdrawn"), ("no_response", "No response from requester")),
        (("Acknowledge the complaint", 5),), restrictable=True, group="Customer relations",
    ),
    BuiltInType(
        "enquiry", "General enquiry", "ENQ", "enquiry",
        "Ask us a question about our services.",
        _statuses(("in_progress", "In progress"), ("waiting", "Waiting for requester"), ("no_response", "No response")),
        (("answered", "Answered"), ("referred", "Referred elsewhere"), ("withdrawn", "Withdrawn"),
         ("no_response", "No response from requester")),
        group="Customer relations",
    ),
    BuiltInType(
        "compliment", "Compliment", "CPL", "enquiry",
        "Tell us about something we did well.",
        _statuses(("passed_on", "Passed on")),
        (("acknowledged", "Acknowledged"), ("shared", "Shared with the team")),
        web_enabled=True, group="Customer relations",
    ),
    # Reviews and appeals of an information request (``backoffice.cases.reviews``): opened by staff from the
    # closed request, never by the public, and closed with how the original answer fared, as the returns count it.
    BuiltInType(
        "foi_review", "Internal review", "IR", "foi_internal_review",
        "A requester's request that we look again at how we answered their information request.",
        _statuses(("in_progress", "In progress"), ("awaiting_approval", "Awaiting approval")),
        tuple((outcome.value, label) for outcome, label in REVIEW_LABELS.items()),
        web_enabled=False,
    ),
    # The regulator sets its own deadlines for the body's answers to it; the enquiry rule (a service standard
    # of 20 working days, not statutory) gives the case a due date to work to.
    BuiltInType(
        "regulator_complaint", "Complaint to the regulator (ICO or Scottish Information Commissioner)", "ICO",
        "enquiry",
        "A requester's complaint to the Information Commissioner or the Scottish Information Commissioner "
        "about how we answered their information request.",
        _statuses(("in_progress", "In progress"), ("awaiting_decision", "Awaiting the regulator's decision")),
        (*((outcome.value, label) for outcome, label in REVIEW_LABELS.items()),
         ("informally_resolved", "Resolved informally")),
        web_enabled=False,
    ),
)


def seed_built_in_types(session: Session, actor: audit.Actor) -> list[CaseType]:
    """Create the built-in types that are missing (and their groups); never overwrite an administrator's edits."""
    created = []
    for position, spec in enumerate(BUILT_IN):
        if session.scalar(select(CaseType.id).where(CaseType.key == spec.key)) is not None:
            continue
        group = session.scalar(select(Group).where(Group.name == spec.group))
        if group is None:
            group = Group(name=spec.group)
            session.add(group)
            session.flush()
        case_type = CaseType(
            key=spec.key, name=spec.name, summary=spec.summary, reference_prefix=spec.prefix,
            deadline_rule=spec.rule, web_enabled=spec.web_enabled, exemptions_enabled=spec.exemptions,
            restrictable=spec.restrictable, closure_outcomes=[{"key": k, "label": v} for k, v in spec.outcomes],
            responsible_group_id=group.id, escalation_group_id=group.id, position=position,
        )
        session.add(case_type)
        session.flush()
        session.add(CaseTypeGroup(case_type_id=case_type.id, group_id=group.id))
        statuses = []
        for index, (key, label, kind) in enumerate(spec.statuses):
            status = CaseStatus(case_type_id=case_type.id, key=key, label=label, kind=kind.value, position=index)
            session.add(status)
            statuses.append(status)
        session.flush()
        _allow_every_move(session, case_type.id, statuses)
        for title, days in spec.tasks:
            session.add(TaskTemplate(case_type_id=case_type.id, title=title, due_in_working_days=days,
                                     group_id=group.id, auto_create=True))
        audit.record(session, actor, "case_type.created", "case_type", case_type.id, f"Case type {spec.name} created")
        created.append(case_type)
    session.flush()
    return created


def _allow_every_move(session: Session, case_type_id: int, statuses: list[CaseStatus]) -> None:
    """Default workflow: from open or any in-progress status to any later state; reopening is its own action."""
    for source in statuses:
        if source.kind == StatusKind.CLOSED:
            continue
        for target in statuses:
            if target.id != source.id and target.kind != StatusKind.OPEN:
                session.add(CaseTransition(case_type_id=case_type_id, from_status_id=source.id, to_status_id=target.id))


def get_case_type(session: Session, key: str) -> CaseType:
    case_type = session.scalar(select(CaseType).where(CaseType.key == key, CaseType.active.is_(True)))
    if case_type is None:
        raise NotFound(f"There is no case type {key!r}")
    return case_type


def case_types(session: Session, *, web_only: bool = False) -> list[CaseType]:
    stmt = select(CaseType).where(CaseType.active.is_(True)).order_by(CaseType.position, CaseType.id)
    if web_only:
        stmt = stmt.where(CaseType.web_enabled.is_(True))
    return list(session.scalars(stmt))


def status_of_kind(session: Session, case_type_id: int, kind: StatusKind) -> CaseStatus:
    status = session.scalar(
        select(CaseStatus).where(CaseStatus.case_type_id == case_type_id, CaseStatus.kind == kind.value)
        .order_by(CaseStatus.position).limit(1)
    )
    if status is None:
        raise Conflict(f"The case type has no {kind.value} status")
    return status


def allowed_targets(session: Session, status_id: int) -> list[CaseStatus]:
    stmt = (
        select(CaseStatus)
        .join(CaseTransition, CaseTransition.to_status_id == CaseStatus.id)
        .where(CaseTransition.from_status_id == status_id)
        .order_by(CaseStatus.position)
    )
    return list(session.scalars(stmt))


def handling_group_ids(session: Session, case_type_id: int) -> set[int]:
    return set(session.scalars(select(CaseTypeGroup.group_id).where(CaseTypeGroup.case_type_id == case_type_id)))


# --- administration -------------------------------------------------------------------------


def update_case_type(
    session: Session, actor: audit.Actor, case_type_id: int, *, name: str, reference_prefix: str,
    deadline_rule: str, web_enabled: bool, responsible_group_id: int | None, escalation_group_id: int | None,
    extension_days: int | None = None, share_days: int | None = None,
) -> CaseType:
    """Change a type's settings; ``share_days`` (how long documents sent securely stay, by default) is kept
    as it is when not given."""
    case_type = _case_type(session, case_type_id)
    errors: dict[str, str] = {}
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter a name of up to 200 characters"
    prefix = reference_prefix.strip().upper()
    if not prefix.isalnum() or not 2 <= len(prefix) <= 10:
        errors["reference_prefix"] = "Enter a prefix of 2 to 10 letters or numbers"
    elif session.scalar(select(CaseType.id).where(CaseType.reference_prefix == prefix, CaseType.id != case_type_id)):
        errors["reference_prefix"] = "Another case type uses that prefix"
    if deadline_rule not in RULES:
        errors["deadline_rule"] = "Select a deadline rule"
    if extension_days is not None and not 1 <= extension_days <= 60:
        errors["extension_days"] = "Enter a number of working days from 1 to 60"
    if share_days is not None and not SHARE_MIN_DAYS <= share_days <= SHARE_MAX_DAYS:
        errors["share_days"] = f"Enter a number of days from {SHARE_MIN_DAYS} to {SHARE_MAX_DAYS}"
    if errors:
        raise InvalidInput("The case type could not be saved", errors)
    case_type.name = name.strip()
    case_type.reference_prefix = prefix
    case_type.deadline_rule = deadline_rule
    case_type.web_enabled = web_enabled
    case_type.responsible_group_id = responsible_group_id
    case_type.escalation_group_id = escalation_group_id
    case_type.extension_days = extension_days
    if share_days is not None:
        case_type.share_days = share_days
    audit.record(session, actor, "case_type.updated", "case_type", case_type.id, f"Case type {case_type.name} changed")
    return case_type


def add_status(session: Session, actor: audit.Actor, case_type_id: int, label: str) -> CaseStatus:
    """Only in-progress statuses can be added: a type has exactly one open and one closed status."""
    case_type = _case_type(session, case_type_id)
    label = label.strip()
    if not label or len(label) > 100:
        raise InvalidInput("Enter the status name", {"label": "Enter a status name of up to 100 characters"})
    key = "".join(c if c.isalnum() else "_" for c in label.lower()).strip("_")[:40] or "status"
    if session.scalar(select(CaseStatus.id).where(CaseStatus.case_type_id == case_type_id, CaseStatus.key == key)):
        raise Conflict(f"{case_type.name} already has a status called {label}")
    closed = status_of_kind(session, case_type_id, StatusKind.CLOSED)
    status = CaseStatus(case_type_id=case_type_id, key=key, label=label, kind=StatusKind.IN_PROGRESS.value,
                        position=closed.position)
    closed.position += 1
    session.add(status)
    session.flush()
    audit.record(session, actor, "case_type.status_added", "case_type", case_type_id, f"Status {label} added")
    return status


def rename_status(session: Session, actor: audit.Actor, status_id: int, label: str) -> CaseStatus:
    status = session.get(CaseStatus, status_id)
    if status is None:
        raise NotFound("No such status")
    label = label.strip()
    if not label or len(label) > 100:
        raise InvalidInput("Enter the status name", {"label": "Enter a status name of up to 100 characters"})
    previous = status.label
    status.label = label
    audit.record(session, actor, "case_type.status_renamed", "case_type", status.case_type_id,
                 f"Status {previous} renamed {label}")
    return status


def set_transitions(session: Session, actor: audit.Actor, case_type_id: int, pairs: set[tuple[int, int]]) -> None:
    """Replace the allowed moves; every non-closed status must still lead somewhere."""
    _case_type(session, case_type_id)
    statuses = {s.id: s for s in session.scalars(select(CaseStatus).where(CaseStatus.case_type_id == case_type_id))}
    for source, target in pairs:
        if source not in statuses or target not in statuses or source == target:
            raise InvalidInput("A transition names a status of another type", {"transitions": "Select valid statuses"})
        if statuses[target].kind == StatusKind.OPEN:
            raise InvalidInput("Cases cannot move back to the open status", {"transitions": "Reopen closed cases instead"})
    stuck = [s.label for s in statuses.values() if s.kind != StatusKind.CLOSED and not any(p[0] == s.id for p in pairs)]
    if stuck:
        raise InvalidInput("Every status must lead somewhere", {"transitions": f"{stuck[0]} has no way out"})
    session.execute(delete(CaseTransition).where(CaseTransition.case_type_id == case_type_id))
    for source, target in sorted(pairs):
        session.add(CaseTransition(case_type_id=case_type_id, from_status_id=source, to_status_id=target))
    audit.record(session, actor, "case_type.transitions_changed", "case_type", case_type_id,
                 f"{len(pairs)} transitions set")


def add_task_template(
    session: Session, actor: audit.Actor, case_type_id: int, title: str, due_in_working_days: int | None,
    group_id: int | None, auto_create: bool = True,
) -> TaskTemplate:
    _case_type(session, case_type_id)
    if not title.strip() or len(title) > 200:
        raise InvalidInput("Enter the task's title", {"title": "Enter a title of up to 200 characters"})
    if due_in_working_days is not None and not 0 <= due_in_working_days <= 200:
        raise InvalidInput("Enter a number of working days", {"due_in_working_days": "Enter a number from 0 to 200"})
    template = TaskTemplate(case_type_id=case_type_id, title=title.strip(), due_in_working_days=due_in_working_days,
                            group_id=group_id, auto_create=auto_create)
    session.add(template)
    session.flush()
    audit.record(session, actor, "case_type.task_template_added", "case_type", case_type_id, f"Task {title} added")
    return template


def set_handling_groups(session: Session, actor: audit.Actor, case_type_id: int, group_ids: set[int]) -> None:
    _case_type(session, case_type_id)
    if not group_ids:
        raise InvalidInput("Select at least one group", {"groups": "Select at least one group"})
    session.execute(delete(CaseTypeGroup).where(CaseTypeGroup.case_type_id == case_type_id))
    for group_id in sorted(group_ids):
        session.add(CaseTypeGroup(case_type_id=case_type_id, group_id=group_id))
    audit.record(session, actor, "case_type.groups_changed", "case_type", case_type_id,
                 f"Handled by groups {sorted(group_ids)}")


def count_by_kind(session: Session, case_type_id: int) -> dict[str, int]:
    rows = session.execute(
        select(CaseStatus.kind, func.count()).where(CaseStatus.case_type_id == case_type_id).group_by(CaseStatus.kind)
    )
    return {kind: int(n) for kind, n in rows}


def _case_type(session: Session, case_type_id: int) -> CaseType:
    case_type = session.get(CaseType, case_type_id)
    if case_type is None:
        raise NotFound("No such case type")
    return case_type


# --- reading for the administration pages -----------------------------------------------------


def case_type_by_id(session: Session, case_type_id: int) -> CaseType:
    """A case type whether or not it is active: administrators can still see a retired one."""
    return _case_type(session, case_type_id)


def transitions(session: Session, case_type_id: int) -> set[tuple[int, int]]:
    """The allowed moves as (from status id, to status id), the shape ``set_transitions`` takes."""
    rows = session.execute(select(CaseTransition.from_status_id, CaseTransition.to_status_id)
                           .where(CaseTransition.case_type_id == case_type_id))
    return {(int(source), int(target)) for source, target in rows}


def task_templates(session: Session, case_type_id: int) -> list[TaskTemplate]:
    return list(session.scalars(select(TaskTemplate).where(TaskTemplate.case_type_id == case_type_id)
                                .order_by(TaskTemplate.id)))
