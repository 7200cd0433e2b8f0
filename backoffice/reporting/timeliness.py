"""Timeliness: how many cases were answered in time, by type, by team and by month, with the regulator's grade.

Every case received in the period with a deadline is in one of five buckets on the judging day: answered
in time, answered in time with a permitted extension, answered late, open and still in time, open and
late. A case closed without an answer (withdrawn, lapsed) is counted apart and in none of them. The
percentage in time is of the cases that can be judged (answered, or open and late), so an open case not
yet due is never a success; the grade is the regulator's: good at 95 % or more, adequate from 90 %,
unsatisfactory below.

Complaints are also judged by stage (``stages``): stage 1 and stage 2 each against its own time limit,
a group of rows each, since one complaint escalated is answered twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, not_, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.buckets import buckets
from backoffice.reporting.facts import Facts
from backoffice.reporting.registry import (
    Column,
    Context,
    Lead,
    Rating,
    Report,
    StackedSpec,
    TableSpec,
    Value,
    register,
)
from backoffice.reporting.stages import complaints_by_stage
from backoffice.reporting.tally import Figure, Grouping, month_grouping
from backoffice.staff.groups import Group

GOOD, ADEQUATE = 95.0, 90.0


def grade(percent: float | None) -> Rating | None:
    """The regulator's grade of a percentage in time (ICO: good 95 % or more, adequate 90 to 95 %)."""
    if percent is None:
        return None
    if percent >= GOOD:
        return Rating("Good", "green")
    if percent >= ADEQUATE:
        return Rating("Adequate", "amber")
    return Rating("Unsatisfactory", "red")


def figures(facts: Facts) -> list[Figure]:
    answered = facts.answered()
    return buckets(answered, facts.in_time(), facts.late(), facts.extended(), and_(facts.closed(), not_(answered)))


def _grade_column() -> tuple[Column, Any]:
    def make(counts: dict[str, Any]) -> Value:
        return grade(counts.get("percent"))
    return (Column("grade", "Grade", "The regulator's grade: good at 95 % or more, adequate from 90 %, "
                   "unsatisfactory below 90 %.", "rating"), make)


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec | StackedSpec]:
    types = facts.types
    base = facts.received()
    measures = figures(facts)
    by_type = Grouping("type", "Type", Case.case_type_id, lambda value: types.names.get(value, "Unknown type"))
    teams: dict[int, str] = {row.id: row.name for row in session.execute(select(Group.id, Group.name))}
    by_team = Grouping("team", "Team", Case.team_group_id,
                       lambda value: "No team" if value is None else teams.get(value, "Unknown team"))
    by_month = month_grouping(Case.received_on)
    trailer = (_grade_column(),)

    def lead(grouping: Grouping) -> Lead:
        return Lead(Column(grouping.key, grouping.heading, f"The {grouping.heading.lower()} of the cases.", "text"),
                    grouping.label)

    tables: list[TableSpec | StackedSpec] = [
        TableSpec("type", "By type", base, measures, by_type, (lead(by_type),), trailer, order=list(types.names),
                  total=True),
        TableSpec("team", "By team", base, measures, by_team, (lead(by_team),), trailer, total=True),
        TableSpec("month", "By month received", base, measures, by_month, (lead(by_month),), trailer,
                  order=sorted({p.start.year * 100 + p.start.month for p in facts.period.months()}), total=True),
    ]
    if types.complaints:
        tables.append(complaints_by_stage(facts, by_team, trailer))
    return tables


TIMELINESS = register(Report(
    name="timeliness",
    title="Timeliness",
    summary="Cases answered in time, with an extension, late, and still open, by type, team and month, and "
            "complaints by stage, with the regulator's grade.",
    build=build,
    group="Performance",
    notes=(
        "Cases are counted in the period they were received in, and judged on the period's last day.",
        "The percentage in time is of cases answered, or open and past their due date: a case not yet due "
        "is not counted as in time.",
        "Grades: good at 95 % or more, adequate from 90 % to 95 %, unsatisfactory below 90 %.",
        "By type, team and month a complaint is counted once, when received, and judged at the stage it was "
        "at on the period's last day. Complaints by stage counts each stage apart, in the period the stage "
        "began (stage 2 on escalation), against that stage's own time limit and extension.",
    ),
))

__all__ = ["TIMELINESS", "figures", "grade"]
