"""What was true of each case on the day a period is judged at, as SQL conditions.

Every figure in every report is one of these conditions counted, and the list of cases behind a figure
is the same condition selected, so a figure and its list cannot disagree. The conditions read only what
the case records with a date: a case closed after the judging day is open in the report, a response sent
after it is not yet sent, an extension recorded after it was not yet claimed. So a period that has ended
gives the same figures whenever it is run.

A complaint escalated to a later stage (``backoffice.cases.stages``) has the new stage's due date and no
answer yet; the stage it left is kept with its own. So a case is judged at the stage it was at on the
judging day: a complaint escalated after a period ended is judged in that period on its stage 1 answer.

One limit, said in the reports' notes: the due date is the one recorded now. A deadline moved after the
judging day (an extension claimed late, which the law does not allow) can move an open request between
"in time" and "late" in a past period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, false, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from backoffice.cases.models import Case, CaseStage, CaseType, ClockEventRecord
from backoffice.cases.outcomes import (
    Classified,
    Official,
    RefusalReason,
    ReviewOutcome,
    keys_by_category,
    review_outcome,
)
from backoffice.clocks import EventKind, Law
from backoffice.deadlines.rules import effective_rule
from backoffice.reporting.periods import Period

Condition = ColumnElement[bool]

INFORMATION_LAWS = frozenset({Law.FOIA, Law.EIR, Law.FOISA, Law.EIR_SCOTLAND})
EIR_LAWS = frozenset({Law.EIR, Law.EIR_SCOTLAND})
#: The built-in types of reviews and regulator complaints (``case_types.BUILT_IN``).
REVIEW_TYPE_KEYS = frozenset({"foi_review"})
REVIEW_RULES = frozenset({"foi_internal_review", "foisa_internal_review"})
REGULATOR_TYPE_KEYS = frozenset({"regulator_complaint"})
#: The deadline rules of complaints handled in stages (``backoffice.clocks.complaint_rules``).
COMPLAINT_RULES = frozenset({"complaint_stage1", "complaint_stage2"})


def contains(column: ColumnElement[Any] | InstrumentedAttribute[Any], key: str) -> Condition:
    """The JSON list in ``column`` holds ``key``: the list's text holds it quoted, on every database."""
    return cast(column, String).like(f'%"{key}"%')


@dataclass(frozen=True)
class TypeSets:
    """The body's case types sorted by what reports count them as."""

    laws: dict[int, Law | None]
    rules: dict[int, str]
    keys: dict[int, str]
    names: dict[int, str]
    outcome_entries: dict[int, list[dict[str, str]]]

    @classmethod
    def load(cls, session: Session) -> TypeSets:
        types = list(session.scalars(select(CaseType).order_by(CaseType.position, CaseType.id)))
        return cls(
            laws={t.id: effective_rule(session, t).law for t in types},
            rules={t.id: effective_rule(session, t).key for t in types},
            keys={t.id: t.key for t in types}, names={t.id: t.name for t in types},
            outcome_entries={t.id: list(t.closure_outcomes or ()) for t in types},
        )

    def _where(self, test: object) -> list[int]:
        return [i for i in self.keys if test(i)]  # type: ignore[operator]

    @cached_property
    def reviews(self) -> list[int]:
        return self._where(lambda i: self.keys[i] in REVIEW_TYPE_KEYS or self.rules[i] in REVIEW_RULES)

    @cached_property
    def regulator(self) -> list[int]:
        return self._where(lambda i: self.keys[i] in REGULATOR_TYPE_KEYS)

    @cached_property
    def complaints(self) -> list[int]:
        """Complaints handled in stages: types counted on a complaint stage rule (the built-in "complaint")."""
        return self._where(lambda i: self.rules[i] in COMPLAINT_RULES)

    @cached_property
    def requests(self) -> list[int]:
        """Information requests: types answered under FOI or EIR law that are not reviews."""
        others = set(self.reviews) | set(self.regulator)
        return self._where(lambda i: self.laws[i] in INFORMATION_LAWS and i not in others)

    def requests_under(self, laws: Iterable[Law]) -> list[int]:
        chosen = set(laws)
        return [i for i in self.requests if self.laws[i] in chosen]

    @cached_property
    def categories(self) -> dict[Classified, set[str]]:
        return keys_by_category(e for i in self.requests for e in self.outcome_entries[i])

    def keys_in(self, category: Official, reason: RefusalReason | None = None) -> set[str]:
        found: set[str] = set()
        for classified, keys in self.categories.items():
            if classified.category is category and (reason is None or classified.reason is reason):
                found |= keys
        return found

    @cached_property
    def classified_keys(self) -> set[str]:
        return {k for keys in self.categories.values() for k in keys}

    def review_keys(self, outcome: ReviewOutcome) -> set[str]:
        types = set(self.reviews) | set(self.regulator)
        return {e["key"] for i in types for e in self.outcome_entries[i] if review_outcome(e) is outcome}


class Facts:
    """The conditions for one period judged on one day."""

    def __init__(self, session: Session, period: Period, today: dt.date, types: TypeSets | None = None) -> None:
        self.period = period
        self.today = today
        self.as_at = period.as_at(today)
        self.cutoff = period.cutoff(today)
        self.types = types or TypeSets.load(session)
        self._kept: dict[str, Condition] = {}

    def _once(self, name: str, build: Callable[[], Condition]) -> Condition:
        """The same condition object every time it is asked for, so a count can work it out once per case
        (``flags``) and every figure built on it reads that (``tally``)."""
        if name not in self._kept:
            self._kept[name] = build()
        return self._kept[name]

    def flags(self) -> dict[str, Condition]:
        """The conditions figures are built on most (each asked for at least once by now)."""
        return dict(self._kept)

    # --- which cases ---------------------------------------------------------------------------

    def received(self) -> Condition:
        return Case.received_on.between(self.period.start, self.period.end)

    def of_types(self, type_ids: Iterable[int]) -> Condition:
        ids = list(type_ids)
        return Case.case_type_id.in_(ids) if ids else false()

    # --- what had happened by the judging day --------------------------------------------------

    def closed(self) -> Condition:
        return self._once("closed", lambda: and_(Case.closed_at.is_not(None), Case.closed_at < self.cutoff))

    def open(self) -> Condition:
        return not_(self.closed())

    def in_force(self, now: InstrumentedAttribute[Any], kept: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        """A date of the stage the case was at on the judging day: the case's own (``now``) unless it has
        since been escalated past that stage, then the one kept with the stage (``kept``). A case never
        escalated (every case not a complaint) reads its own column, with no look-up."""
        later = and_(CaseStage.case_id == Case.id, CaseStage.ended_on > self.as_at)
        kept_then = select(kept).where(later).order_by(CaseStage.stage).limit(1).scalar_subquery()
        return case((Case.stage.is_(None), now), (select(CaseStage.id).where(later).exists(), kept_then), else_=now)

    def responded_on(self) -> ColumnElement[Any]:
        return self.in_force(Case.responded_on, CaseStage.responded_on)

    def due_on(self) -> ColumnElement[Any]:
        return self.in_force(Case.due_on, CaseStage.due_on)

    def answered(self) -> Condition:
        def build() -> Condition:
            responded = self.responded_on()
            return and_(responded.is_not(None), responded <= self.as_at)
        return self._once("answered", build)

    def extended(self) -> Condition:
        return self._once("extended", lambda: Case.id.in_(select(ClockEventRecord.case_id).where(
            ClockEventRecord.kind == EventKind.EXTENDED.value, ClockEventRecord.on <= self.as_at)))

    def outcome_in(self, keys: Iterable[str]) -> Condition:
        chosen = sorted(set(keys))
        return and_(self.closed(), Case.outcome.in_(chosen)) if chosen else false()

    def category(self, category: Official, reason: RefusalReason | None = None) -> Condition:
        return self.outcome_in(self.types.keys_in(category, reason))

    def lapsed(self) -> Condition:
        return self._once("lapsed", lambda: self.category(Official.ON_HOLD_OR_LAPSED))

    def unclassified(self) -> Condition:
        """Closed with an outcome an administrator added without saying which official category it is."""
        return and_(self.closed(), or_(Case.outcome.is_(None), Case.outcome.not_in(sorted(self.types.classified_keys))))

    # --- time ------------------------------------------------------------------------------------

    def in_time(self) -> Condition:
        """Answered by the due date, or not yet answered and not yet due (a case with no due date, a
        paused clock, is not late)."""
        def build() -> Condition:
            due, responded = self.due_on(), self.responded_on()
            return or_(due.is_(None), and_(self.answered(), responded <= due),
                       and_(not_(self.answered()), due >= self.as_at))
        return self._once("in_time", build)

    def late(self) -> Condition:
        return not_(self.in_time())

    def with_exemption(self, key: str) -> Condition:
        return and_(self.closed(), contains(Case.exemptions, key))

    def any_exemption(self) -> Condition:
        return and_(self.closed(), self._once("listed", lambda: and_(
            Case.exemptions.is_not(None), cast(Case.exemptions, String) != "[]")))

    def only_exemption(self, key: str) -> Condition:
        return and_(self.closed(), cast(Case.exemptions, String) == f'["{key}"]')

    def always(self) -> Condition:
        return true()


__all__ = ["COMPLAINT_RULES", "EIR_LAWS", "INFORMATION_LAWS", "Condition", "Facts", "TypeSets", "contains"]
