"""Reviews and appeals of an information request: an internal review, and a complaint to the regulator (the
Information Commissioner, or the Scottish Information Commissioner for a Scottish body).

Each is a case of its own, with its own clock and outcome, because the returns count them apart from the
requests: how many reviews and complaints, how long the reviews took, and whether the original answer was
upheld in full, upheld in part or overturned. The new case points at the request it is about
(``Case.review_of_id``) and is linked to it both ways, as staff link related cases, so each page leads to
the other.

A review is made through intake's own door (``create_case``) without the requester's acknowledgement: the
requester asked for the review themselves and hears from the caseworker, not from an automatic email. A
Scottish body's internal review is clocked under FOISA s.21 by the same rule mechanism as its requests
(``foi_internal_review`` is ``foisa_internal_review`` there).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.access import can_see
from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import Case, CaseLink, CaseType, Channel, StatusKind
from backoffice.clocks import LONDON, Law
from backoffice.deadlines.rules import effective_rule
from backoffice.intake.new_cases import LIMITS, NewCase, Requester, create_case, received_on_error, today_in_london
from backoffice.staff.accounts import Role, StaffUser
from shared import audit
from shared.errors import Conflict, InvalidInput, PermissionDenied


class ReviewKind(StrEnum):
    INTERNAL_REVIEW = "internal_review"
    REGULATOR_COMPLAINT = "regulator_complaint"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def case_type(self) -> str:
        """The key of the built-in case type (``case_types.BUILT_IN``) such a case is made as."""
        return _TYPES[self]


_LABELS = {ReviewKind.INTERNAL_REVIEW: "Internal review",
           ReviewKind.REGULATOR_COMPLAINT: "Complaint to the regulator"}
_TYPES = {ReviewKind.INTERNAL_REVIEW: "foi_review", ReviewKind.REGULATOR_COMPLAINT: "regulator_complaint"}
#: The case types of reviews and complaints: never reviewed themselves (a complaint is about the request).
REVIEW_TYPES = frozenset(_TYPES.values())
#: The laws whose answers can be reviewed and complained of to the regulator.
REVIEWABLE_LAWS = frozenset({Law.FOIA, Law.FOISA, Law.EIR, Law.EIR_SCOTLAND})
WORKING_ROLES = frozenset({Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR})


def may_be_reviewed(session: Session, case: Case) -> bool:
    """A closed FOI or EIR request (under the law of either nation), not itself a review or a complaint."""
    if case.status.kind != StatusKind.CLOSED or case.review_of_id is not None:
        return False
    if case.case_type.key in REVIEW_TYPES:
        return False
    return effective_rule(session, case.case_type).law in REVIEWABLE_LAWS


def may_start(session: Session, user: StaffUser, original: Case) -> bool:
    """Who may record a review or complaint: anyone who works cases and can see the request.

    It is new work coming in, like logging a request, so no permission on the closed request is needed
    beyond seeing it (closed cases offer caseworkers almost nothing else)."""
    return user.active and user.role in WORKING_ROLES and can_see(session, user, original)


def earliest_received(original: Case) -> dt.date:
    """A review or complaint cannot come before the answer it is about (or, with none recorded, the request)."""
    return original.responded_on or original.received_on


def start_review(
    session: Session, actor: audit.Actor, user: StaffUser, original: Case, kind: str, *,
    received_on: dt.date | None = None, description: str = "",
) -> Case:
    """Open an internal review or a complaint to the regulator of ``original``, received on ``received_on``
    (today in London by default); the requester is the original's.

    Refuses (Conflict) anything but a closed FOI or EIR request, and a second review or complaint while one
    of the same kind is still open.
    """
    if not may_start(session, user, original):
        raise PermissionDenied("You do not have permission to do that to this case")
    try:
        review_kind = ReviewKind(kind)
    except ValueError:
        raise InvalidInput("Select internal review or complaint to the regulator",
                           {"kind": "Select internal review or complaint to the regulator"}) from None
    if not may_be_reviewed(session, original):
        raise Conflict("Only a closed FOI or EIR request can have an internal review or a complaint to the regulator")
    already = _open_of_kind(session, original, review_kind)
    if already is not None:
        raise Conflict(f"{review_kind.label} {already.reference} of {original.reference} is still open")
    received = received_on or today_in_london()
    _check_received(original, received)
    case_type = _case_type(session, actor, review_kind)
    case = create_case(session, actor, NewCase(
        case_type=case_type.key,
        subject=_subject(review_kind, original),
        description=description.strip() or _description(review_kind, original),
        requester=Requester(name=original.requester_name, email=original.requester_email,
                            phone=original.requester_phone, address=original.requester_address),
        received_on=received, channel=Channel.EMAIL.value, priority=original.priority,
    ))
    case.review_of_id = original.id
    for source, target in ((case.id, original.id), (original.id, case.id)):
        if session.scalar(select(CaseLink.id).where(CaseLink.case_id == source, CaseLink.linked_case_id == target)) is None:
            session.add(CaseLink(case_id=source, linked_case_id=target))
    day = f"{received:%-d %B %Y}"
    audit.record(session, actor, "case.review_of", "case", case.reference,
                 f"{review_kind.label} of {original.reference}, received {day}",
                 {"kind": review_kind.value, "original": original.reference})
    audit.record(session, actor, "case.review_started", "case", original.reference,
                 f"{review_kind.label} {case.reference} started, received {day}",
                 {"kind": review_kind.value, "review": case.reference})
    session.flush()
    return case


def reviews_of(session: Session, case: Case) -> list[Case]:
    """The reviews and complaints of a request, oldest first."""
    return list(session.scalars(select(Case).where(Case.review_of_id == case.id)
                                .order_by(Case.received_on, Case.id)))


def review_of(session: Session, case: Case) -> Case | None:
    """The request a review or complaint is about, if it is one (and the request is still there)."""
    return session.get(Case, case.review_of_id) if case.review_of_id is not None else None


def kind_of(case: Case) -> ReviewKind | None:
    """Which kind of review ``case`` is, by its type; None for any other case."""
    return next((kind for kind, key in _TYPES.items() if key == case.case_type.key), None)


def _open_of_kind(session: Session, original: Case, kind: ReviewKind) -> Case | None:
    return session.scalar(select(Case).join(CaseType, CaseType.id == Case.case_type_id).where(
        Case.review_of_id == original.id, CaseType.key == kind.case_type, Case.closed_at.is_(None)).limit(1))


def _check_received(original: Case, received: dt.date) -> None:
    problem = received_on_error(received)
    earliest = earliest_received(original)
    if problem is None and received < earliest:
        what = "answered" if original.responded_on else "received"
        problem = f"Date received must be on or after {earliest:%-d %B %Y}, when {original.reference} was {what}"
    if problem:
        raise InvalidInput("Check the date received", {"received_on": problem})


def _case_type(session: Session, actor: audit.Actor, kind: ReviewKind) -> CaseType:
    """The kind's case type; a body set up before the type existed gets the built-in types it lacks."""
    case_type = session.scalar(select(CaseType).where(CaseType.key == kind.case_type))
    if case_type is None:
        seed_built_in_types(session, actor)
        case_type = session.scalar(select(CaseType).where(CaseType.key == kind.case_type))
    if case_type is None or not case_type.active:
        raise Conflict(f"{kind.label} cases are switched off: an administrator can switch the case type back on")
    return case_type


def _subject(kind: ReviewKind, original: Case) -> str:
    lead = "Internal review of" if kind is ReviewKind.INTERNAL_REVIEW else "Complaint to the regulator about"
    subject = f"{lead} {original.reference}: {original.subject}"
    limit = LIMITS["subject"]
    return subject if len(subject) <= limit else subject[:limit - 1].rstrip() + "…"


def _description(kind: ReviewKind, original: Case) -> str:
    answered = original.responded_on or (original.closed_at.astimezone(LONDON).date() if original.closed_at else None)
    when = f", answered on {answered:%-d %B %Y}" if answered else ""
    what = ("asked for an internal review of" if kind is ReviewKind.INTERNAL_REVIEW
            else "complained to the regulator about")
    return f"The requester {what} {original.reference}{when}: {original.subject}"
