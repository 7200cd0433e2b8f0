"""Finding cases: my cases, a team's queue, all open cases with filters, and search.

Every query is narrowed by what the user may see, sorted by due date by
default, and paged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, defer, joinedload

from backoffice.cases.access import visible_filter
from backoffice.cases.models import Case, CaseType
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.accounts import StaffUser

PER_PAGE = 25
#: A text search counts at most this many matches ("more than 1,000 cases").
SEARCH_COUNT_CAP = 1000


#: What a list of cases never shows, left unloaded (a row that is asked for it loads it then): each was
#: parsed from JSON, or carried as long text, for every row of every list, the case type's outcomes
#: once per row although the type is the same object each time.
LIST_DEFERRED = (defer(Case.description), defer(Case.details), defer(Case.exemptions),
                 joinedload(Case.case_type).defer(CaseType.closure_outcomes))


@dataclass(frozen=True)
class CaseFilter:
    case_types: tuple[str, ...] = ()
    status_ids: tuple[int, ...] = ()
    owner_id: int | None = None
    unowned: bool = False
    team_group_id: int | None = None
    #: Any of these teams (a person's queue across all their groups).
    team_group_ids: tuple[int, ...] = ()
    due_within_days: int | None = None
    overdue: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    text: str = ""
    open_only: bool = True
    sort: str = "due"


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int
    page: int
    per_page: int
    filters: CaseFilter = field(default_factory=CaseFilter)
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def apply_filter(session: Session, user: StaffUser | None, stmt: Select, f: CaseFilter) -> Select:  # type: ignore[type-arg]
    """Narrow ``stmt`` (a select over Case) by ``f`` and by what ``user`` may see.

    ``user`` None is a trusted system caller (an API client), which sees every case.
    """
    if user is not None:
        stmt = stmt.where(visible_filter(session, user))
    if f.open_only:
        stmt = stmt.where(Case.closed_at.is_(None))
    if f.case_types:
        stmt = stmt.where(Case.case_type_id.in_(select(CaseType.id).where(CaseType.key.in_(f.case_types))))
    if f.status_ids:
        stmt = stmt.where(Case.status_id.in_(f.status_ids))
    if f.owner_id is not None:
        stmt = stmt.where(Case.owner_id == f.owner_id)
    if f.unowned:
        stmt = stmt.where(Case.owner_id.is_(None))
    if f.team_group_id is not None:
        stmt = stmt.where(Case.team_group_id == f.team_group_id)
    if f.team_group_ids:
        stmt = stmt.where(Case.team_group_id.in_(f.team_group_ids))
    today = today_in_london()
    if f.overdue:
        stmt = stmt.where(Case.due_on < today)
    if f.due_within_days is not None:
        stmt = stmt.where(Case.due_on <= today + dt.timedelta(days=f.due_within_days))
    if f.received_from is not None:
        stmt = stmt.where(Case.received_on >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(Case.received_on <= f.received_to)
    text = f.text.strip()
    if text:
        if len(text) <= 30 and "-" in text and text.replace("-", "").isalnum():
            stmt = stmt.where(Case.reference == text.upper())
        elif "@" in text:
            stmt = stmt.where(Case.requester_email == text.lower())
        else:
            conditions = []
            for word in text.split()[:6]:
                pattern = f"%{word.lower()}%"
                conditions.append(or_(func.lower(Case.requester_name).like(pattern),
                                      func.lower(Case.subject).like(pattern),
                                      func.lower(Case.description).like(pattern)))
            stmt = stmt.where(*conditions)
    return stmt


def find_cases(session: Session, user: StaffUser | None, f: CaseFilter, page: int = 1, per_page: int = PER_PAGE) -> CasePage:
    page = max(1, page)
    base = apply_filter(session, user, select(Case), f)
    order = {
        "due": (Case.due_on.is_(None), Case.due_on, Case.id),
        "received": (Case.received_on.desc(), Case.id.desc()),
        "reference": (Case.reference,),
        # A team queue: cases nobody has claimed yet come first, each part by due date.
        "unowned": (Case.owner_id.is_not(None), Case.due_on.is_(None), Case.due_on, Case.id),
    }.get(f.sort, (Case.due_on.is_(None), Case.due_on, Case.id))
    if f.open_only and f.sort in ("due", "unowned"):
        # Every open case's closed_at is NULL, so leading with it changes no order, but it is the
        # ordering indexes' first column (ix_cases_open_*_order): PostgreSQL reads the page in index
        # order only when the ORDER BY starts as the index does (SQLite sees the equality either way);
        # otherwise it sorted every open case of the team to show 25 (130 ms at a million cases).
        order = (Case.closed_at, *order)
    cases = list(session.scalars(base.order_by(*order).limit(per_page).offset((page - 1) * per_page)
                                 .options(*LIST_DEFERRED)))
    if f.text.strip():
        # Words are matched by scanning: stop counting once the answer is "more than enough",
        # as a search engine does, so a common word stays fast over a million cases.
        matches = apply_filter(session, user, select(Case.id), f).limit(SEARCH_COUNT_CAP + 1).subquery()
        total = int(session.scalar(select(func.count()).select_from(matches)) or 0)
        capped = total > SEARCH_COUNT_CAP
        total = min(total, SEARCH_COUNT_CAP)
    else:
        total = int(session.scalar(apply_filter(session, user, select(func.count(Case.id)), f)) or 0)
        capped = False
    return CasePage(cases=cases, total=total, page=page, per_page=per_page, filters=f, total_capped=capped)


def time_left(case: Case, today: dt.date | None = None) -> tuple[str, str]:
    """Text and GOV.UK tag colour for how long is left: never colour alone."""
    if case.closed_at is not None:
        return "Closed", "grey"
    if case.due_on is None:
        return "Clock stopped", "purple"
    today = today or today_in_london()
    days = (case.due_on - today).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue", "red"
    if days == 0:
        return "Due today", "orange"
    if days <= 5:
        return f"{days} day{'s' if days != 1 else ''} left", "yellow"
    return f"{days} days left", "green"
