"""How quickly and how fully the body answered FOI and EIR requests, per calendar quarter: the figures the
s.45 Code of Practice expects a body of 100 or more staff to publish.

A core function the reporting capability will own; until then the log's "Our FOI performance" page reads
it. It counts from the cases themselves, by the quarter each request was received in:

- answered in time: a response date on or before the due date, which already includes any extension the
  law allows (the stored ``due_on`` is recomputed by the clock on every extension and pause);
- extended: the clock has an ``extended`` event (a public interest test extension under FOI, or the EIR's
  extension for complex and voluminous requests);
- late: answered after the due date, or still unanswered with the due date passed;
- granted in full, refused in full (refused, neither confirm nor deny, cost limit, vexatious or repeated),
  part refused (granted in part): from the closure outcome;
- internal reviews: cases of a type clocked under an internal-review rule. A body that records reviews
  some other way (a note on the original case) has none of these types, and the figure is then shown as
  not recorded rather than as nought.

What this cannot know it says (``Performance.notes``): an answer with no response date recorded is not
counted as answered, and a case with no due date (a rule that sets none) is neither in time nor late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType, ClockEventRecord
from backoffice.clocks import EventKind
from backoffice.intake.new_cases import today_in_london

#: The deadline rules of information requests (FOI and EIR, in England, Wales, Northern Ireland and Scotland).
REQUEST_RULES = frozenset({"foi", "eir", "foisa", "eir_scotland"})
#: The deadline rules of internal reviews of those requests.
REVIEW_RULES = frozenset({"foi_internal_review", "foisa_internal_review"})
GRANTED_IN_FULL = frozenset({"granted_in_full"})
REFUSED_IN_FULL = frozenset({"refused_in_full", "ncnd", "cost_limit", "vexatious"})
PART_REFUSED = frozenset({"granted_in_part"})
QUARTERS = 8
_MONTHS = ("January", "April", "July", "October")
_ENDS = ("March", "June", "September", "December")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def label(self) -> str:
        """``January to March 2026``."""
        return f"{_MONTHS[self.number - 1]} to {_ENDS[self.number - 1]} {self.year}"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)


@dataclass
class QuarterFigures:
    quarter: Quarter
    received: int = 0
    answered_in_time: int = 0
    extended: int = 0
    late: int = 0
    granted_in_full: int = 0
    refused_in_full: int = 0
    part_refused: int = 0
    #: Still unanswered and not yet due.
    open_in_time: int = 0
    #: None when the body records no internal reviews as cases.
    internal_reviews: int | None = None

    @property
    def in_time_percent(self) -> int | None:
        """The share answered in time of those answered or overdue, rounded; None with nothing to judge."""
        judged = self.answered_in_time + self.late
        return round(100 * self.answered_in_time / judged) if judged else None


@dataclass(frozen=True)
class Performance:
    #: Newest quarter first.
    quarters: tuple[QuarterFigures, ...]
    reviews_recorded: bool
    notes: tuple[str, ...] = field(default=())


def _extended(session: Session, case_ids: Iterable[int]) -> set[int]:
    ids = list(case_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(session.scalars(select(ClockEventRecord.case_id).where(
            ClockEventRecord.case_id.in_(ids[start:start + 500]),
            ClockEventRecord.kind == EventKind.EXTENDED.value)))
    return found


def foi_performance(session: Session, *, quarters: int = QUARTERS, today: dt.date | None = None) -> Performance:
    """The last ``quarters`` calendar quarters (this one included, so far), newest first."""
    today = today or today_in_london()
    shown = [Quarter.of(today)]
    while len(shown) < quarters:
        shown.append(shown[-1].previous())
    since = shown[-1].first_day
    types = {t.id: t.deadline_rule for t in session.scalars(select(CaseType))}
    request_types = [i for i, rule in types.items() if rule in REQUEST_RULES]
    review_types = [i for i, rule in types.items() if rule in REVIEW_RULES]
    figures = {q: QuarterFigures(q, internal_reviews=0 if review_types else None) for q in shown}
    rows = session.execute(select(Case.id, Case.case_type_id, Case.received_on, Case.due_on, Case.responded_on,
                                  Case.outcome)
                           .where(Case.case_type_id.in_(request_types + review_types), Case.received_on >= since)
                           ).all()
    extended = _extended(session, (r.id for r in rows if r.case_type_id in request_types))
    for row in rows:
        counted = figures.get(Quarter.of(row.received_on))
        if counted is None:  # received in the future: a date typed wrongly
            continue
        if row.case_type_id in review_types:
            counted.internal_reviews = (counted.internal_reviews or 0) + 1
            continue
        counted.received += 1
        if row.id in extended:
            counted.extended += 1
        if row.due_on is not None:
            if row.responded_on is not None:
                if row.responded_on <= row.due_on:
                    counted.answered_in_time += 1
                else:
                    counted.late += 1
            elif row.due_on < today:
                counted.late += 1
            else:
                counted.open_in_time += 1
        outcome = row.outcome or ""
        counted.granted_in_full += outcome in GRANTED_IN_FULL
        counted.refused_in_full += outcome in REFUSED_IN_FULL
        counted.part_refused += outcome in PART_REFUSED
    notes = [
        "Requests are counted in the quarter they were received.",
        "Answered in time means a response was sent on or before the due date, including any extension the law allows.",
        "Late includes requests not yet answered whose due date has passed.",
        "Refused in full includes requests refused under an exemption or exception, by neither confirming nor "
        "denying, on cost grounds (section 12) and as vexatious or repeated (section 14).",
        "A request with no response date recorded is not counted as answered.",
    ]
    if not review_types:
        notes.append("Internal reviews are not recorded as cases here, so they cannot be counted.")
    return Performance(quarters=tuple(figures[q] for q in shown), reviews_recorded=bool(review_types),
                       notes=tuple(notes))


__all__ = ["Performance", "Quarter", "QuarterFigures", "foi_performance"]
