"""Timeliness of complaints by stage: each stage of the complaint-handling code judged against its own limit.

A complaint answered at stage 1 and escalated to stage 2 is two things the codes time apart: a stage 1
answer due 10 working days after the acknowledgement, and a stage 2 answer due 20 after stage 2's. So each
stage is its own group of rows (all teams, then each team), counting the complaints whose stage began in
the period (stage 1 on receipt, stage 2 on escalation), each judged on the stage's own due date, answer
and extension as they stood on the judging day.

A stage the complaint has left is read from what escalation kept (``case_stages``); the stage it is at,
from the case. Both are dates compared with the judging day, so a closed period gives the same figures
whenever it is run: a complaint escalated after the period ended is judged at stage 1 as it stood then.
A stage that ended without an answer (escalated straight on, or the complaint withdrawn) is counted apart,
as a case closed without an answer is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from backoffice.cases.models import Case, CaseStage, ClockEventRecord
from backoffice.clocks import EventKind, get_rule
from backoffice.deadlines.rules import STAGED_PREFIX, stage_rule_key
from backoffice.reporting.buckets import buckets
from backoffice.reporting.facts import Condition, Facts
from backoffice.reporting.registry import Column, Lead, Listing, StackedSpec, TableSpec, Value
from backoffice.reporting.tally import Figure, Grouping

#: The stages a complaint can be at: those with a rule of their own (``complaint_stage1``, ``complaint_stage2``).
STAGES: tuple[int, ...] = tuple(n for n in range(1, 10) if stage_rule_key(f"{STAGED_PREFIX}1", n))


class StageFacts:
    """What was true of stage ``stage`` of each complaint on the judging day, as SQL conditions."""

    def __init__(self, facts: Facts, stage: int) -> None:
        self.facts = facts
        self.stage = stage
        self.current = func.coalesce(Case.stage, 1) == stage

    def _kept(self, column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        return select(column).where(CaseStage.case_id == Case.id, CaseStage.stage == self.stage).scalar_subquery()

    def _date(self, now: InstrumentedAttribute[Any], kept: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
        return case((self.current, now), else_=self._kept(kept))

    def started(self) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
        if self.stage == 1:
            return Case.received_on
        return case((self.current, Case.stage_started_on), else_=self._kept(CaseStage.started_on))

    def base(self) -> Condition:
        """Complaints whose stage began in the period."""
        complaints = self.facts.of_types(self.facts.types.complaints)
        if self.stage == 1:
            return and_(self.facts.received(), complaints)
        period = self.facts.period
        # The cases that may have begun the stage in the period, found by index: those at it now by the day
        # it began, those past it from what escalation kept. The condition after it is the definition.
        began = union_all(
            select(Case.id).where(Case.stage == self.stage, Case.stage_started_on.between(period.start, period.end)),
            select(CaseStage.case_id).where(CaseStage.stage == self.stage,
                                            CaseStage.started_on.between(period.start, period.end)))
        return and_(complaints, Case.id.in_(began), Case.received_on <= period.end,
                    self.started().between(period.start, period.end))

    def answered(self) -> Condition:
        responded = self._date(Case.responded_on, CaseStage.responded_on)
        return and_(responded.is_not(None), responded <= self.facts.as_at)

    def in_time(self) -> Condition:
        due, responded = self._date(Case.due_on, CaseStage.due_on), self._date(Case.responded_on, CaseStage.responded_on)
        answered = self.answered()
        return or_(due.is_(None), and_(answered, responded <= due), and_(not_(answered), due >= self.facts.as_at))

    def extended(self) -> Condition:
        """Extended by the judging day: at the stage it is at, a clock extension since the stage began."""
        since = func.coalesce(Case.stage_started_on, Case.received_on)
        now = select(ClockEventRecord.id).where(
            ClockEventRecord.case_id == Case.id, ClockEventRecord.kind == EventKind.EXTENDED.value,
            ClockEventRecord.on >= since, ClockEventRecord.on <= self.facts.as_at).exists()
        kept = self._kept(CaseStage.extended_on)
        return or_(and_(self.current, now), and_(not_(self.current), kept.is_not(None), kept <= self.facts.as_at))

    def listing(self) -> Listing:
        """The stage's own dates, for the cases behind its figures: its start, due date and answer."""
        return Listing(f"Stage {self.stage}", self.started(), self._date(Case.due_on, CaseStage.due_on),
                       self._date(Case.responded_on, CaseStage.responded_on))

    def ended_unanswered(self) -> Condition:
        """Ended by the judging day without the stage's answer: escalated on, or the complaint closed."""
        ended = self._kept(CaseStage.ended_on)
        return and_(not_(self.answered()), or_(and_(ended.is_not(None), ended <= self.facts.as_at),
                                               self.facts.closed()))


def stage_title(stage: int) -> str:
    rule = get_rule(f"{STAGED_PREFIX}{stage}")
    return f"Stage {stage} ({rule.time_limit().time})"


def stage_figures(facts: Facts, stage: int) -> list[Figure]:
    at = StageFacts(facts, stage)
    in_time = at.in_time()
    return buckets(at.answered(), in_time, not_(in_time), at.extended(), at.ended_unanswered(),
                   received=f"Complaints whose stage {stage} began in the period"
                            + (" (received in it)." if stage == 1 else " (escalated to it)."),
                   closed_heading="Ended without an answer",
                   closed_definition="The stage ended without its answer: escalated to the next stage, or the "
                                     "complaint closed (withdrawn, no response).")


def complaints_by_stage(facts: Facts, by_team: Grouping, trailers: Sequence[tuple[Column, Any]]) -> StackedSpec:
    """One group of rows per stage: the stage over all teams, then each team."""
    team = Column("team", "Team", "The team of the complaints.", "text")
    parts: list[TableSpec] = []
    for stage in STAGES:
        at = StageFacts(facts, stage)
        measures = stage_figures(facts, stage)
        title = stage_title(stage)

        def label(value: Any, title: str = title) -> Value:
            return title
        stage_lead = Lead(Column("stage", "Stage", "The stage of the complaints, with its time limit.", "text"), label)
        parts += [
            TableSpec(f"stage{stage}", title, at.base(), measures, None,
                      (stage_lead, Lead(team, lambda value: "All teams")), trailers, listing=at.listing()),
            TableSpec(f"stage{stage}-team", f"{title}, by team", at.base(), measures, by_team,
                      (stage_lead, Lead(team, by_team.label)), trailers, listing=at.listing()),
        ]
    return StackedSpec("complaint-stage", "Complaints by stage", parts)


__all__ = ["STAGES", "StageFacts", "complaints_by_stage", "stage_title"]
