"""Listing cases for API clients: the queue filters, sorted by due date, paged by an opaque keyset cursor.

Keyset rather than offset paging, because cases arrive and close while a client
walks the pages: an offset would skip or repeat cases, a key (due date, id)
never does. The cursor is signed with the app's secret and bound to the
filters it was issued for, so a client cannot forge a position or reuse a
cursor with other filters and get a confusing page.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from backoffice.api.errors import UnusableQuery
from backoffice.api.schemas import CURSOR_MAX_LENGTH, ListQuery
from backoffice.cases.models import Case, CaseStatus, CaseType
from backoffice.cases.queues import CaseFilter, apply_filter
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group

CURSOR_VERSION = 1


def case_filter(session: Session, query: ListQuery) -> CaseFilter:
    """Turn names into ids; a name that matches nothing is the client's mistake, so a 422, not an empty list."""
    errors: dict[str, str] = {}
    status_ids: tuple[int, ...] = ()
    if query.status is not None:
        stmt = select(CaseStatus.id).where(CaseStatus.key == query.status)
        if query.case_types:
            stmt = stmt.join(CaseType, CaseType.id == CaseStatus.case_type_id).where(CaseType.key.in_(query.case_types))
        status_ids = tuple(session.scalars(stmt))
        if not status_ids:
            errors["status"] = "No case type (of those asked for) has a status with this key"
    owner_id = None
    if query.owner is not None:
        owner_id = session.scalar(select(StaffUser.id).where(StaffUser.email == query.owner.lower()))
        if owner_id is None:
            errors["owner"] = "No staff member has this email address"
    team_id = None
    if query.team is not None:
        team_id = session.scalar(select(Group.id).where(Group.name == query.team))
        if team_id is None:
            errors["team"] = "No team has this name"
    if errors:
        raise UnusableQuery("Some query parameters name nothing that exists", errors)
    return CaseFilter(
        case_types=query.case_types, status_ids=status_ids, owner_id=owner_id, team_group_id=team_id,
        due_within_days=query.due_within_days, overdue=query.overdue, received_from=query.received_from,
        received_to=query.received_to, text=query.q, open_only=query.open, sort="due",
    )


@dataclass(frozen=True)
class Position:
    """The sort key of the last case on a page: (due_on, id), with no due date sorting last."""

    due_on: dt.date | None
    case_id: int


def _fingerprint(query: ListQuery) -> str:
    canonical = json.dumps(query.filter_fields(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _sign(secret: str, payload: list[Any]) -> str:
    message = json.dumps(payload, separators=(",", ":")).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def encode_cursor(secret: str, query: ListQuery, position: Position) -> str:
    payload = [CURSOR_VERSION, position.due_on.isoformat() if position.due_on else None, position.case_id,
               _fingerprint(query)]
    data = json.dumps({"p": payload, "s": _sign(secret, payload)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(secret: str, query: ListQuery, cursor: str) -> Position:
    """The position a cursor holds, or UnusableQuery for anything this API did not issue for these filters.

    The cursor is the client's text: it is bounded before it is decoded (so no JSON in it
    can nest deep enough to exhaust the stack) and its signature compared as ASCII bytes
    (``compare_digest`` refuses a str with other characters with a TypeError).
    """
    bad = UnusableQuery("The cursor is not one this API issued for these filters",
                     {"cursor": "Use next_cursor from the previous page, with the same filters"})
    if len(cursor) > CURSOR_MAX_LENGTH or not cursor.isascii():
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        payload, signature = data["p"], data["s"]
        version, due, case_id, fingerprint = payload
        expected = _sign(secret, payload)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise bad from exc
    if not isinstance(signature, str) or not signature.isascii() or \
            not hmac.compare_digest(signature.encode(), expected.encode()):
        raise bad
    if version != CURSOR_VERSION or fingerprint != _fingerprint(query) or not isinstance(case_id, int):
        raise bad
    try:
        due_on = dt.date.fromisoformat(due) if due is not None else None
    except (TypeError, ValueError) as exc:
        raise bad from exc
    return Position(due_on, case_id)


def _after(position: Position) -> ColumnElement[bool]:
    if position.due_on is None:
        return and_(Case.due_on.is_(None), Case.id > position.case_id)
    return or_(
        Case.due_on > position.due_on,
        and_(Case.due_on == position.due_on, Case.id > position.case_id),
        Case.due_on.is_(None),
    )


def page_of_cases(session: Session, f: CaseFilter, limit: int, after: Position | None) -> tuple[list[Case], Position | None]:
    """One page, and the position to continue from (None on the last page)."""
    stmt = apply_filter(session, None, select(Case), f)
    if after is not None:
        stmt = stmt.where(_after(after))
    stmt = stmt.order_by(Case.due_on.is_(None), Case.due_on, Case.id).limit(limit + 1)
    cases = list(session.scalars(stmt))
    if len(cases) <= limit:
        return cases, None
    last = cases[limit - 1]
    return cases[:limit], Position(last.due_on, last.id)
