"""Timeliness: how many cases were answered in time, by type, by team and by month, with the regulator's grade.

Every case received in the period with a deadline is in one of five buckets on the judging day: answered
in time, answered in time with a permitted extension, answered late, open and still in time, open and
late. A case closed without an answer (withdrawn, lapsed) is counted apart and in none of them. The
percentage in time is of the cases that can be judged (answered, or open and late), so an open case not
yet due is never a success; the grade is the regulator's: good at 95 % or more, adequate from 90 %,
unsatisfactory below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.facts import Facts
from backoffice.reporting.registry import Column, Context, Lead, Rating, Report, TableSpec, Value, register
from backoffice.reporting.tally import Figure, Grouping, Measure, Ratio, month_grouping
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
    in_time = facts.in_time()
    extended = facts.extended()
    unanswered_closed = and_(facts.closed(), not_(answered))
    counted = not_(unanswered_closed)
    return [
        Measure("received", "Received", "Cases received in the period.", facts.always()),
        Measure("in_time", "Answered in time", "Answered by the due date, with no extension.",
                and_(answered, in_time, not_(extended))),
        Measure("extended", "Answered in time with a permitted extension",
                "Answered by a due date the law allowed to be extended.", and_(answered, in_time, extended)),
        Measure("late", "Answered late", "Answered after the due date.", and_(answered, facts.late())),
        Measure("open_in_time", "Open, still in time", "Not answered by the end of the period and not yet due.",
                and_(counted, not_(answered), in_time)),
        Measure("open_late", "Open and late", "Not answered by the end of the period and past the due date.",
                and_(counted, not_(answered), facts.late())),
        Measure("closed_unanswered", "Closed without an answer",
                "Closed without a response (withdrawn, lapsed, clarification or fee not received).", unanswered_closed),
        Measure("judged", "Can be judged", "Answered, or open and late: the base of the percentage.",
                and_(counted, or_(answered, facts.late()))),
        Measure("answered_in_time", "Answered in time, extended or not", "Answered by the due date.",
                and_(answered, in_time)),
        Ratio("percent", "In time (%)", "Answered in time (extended or not), as a share of the cases that can be "
              "judged.", "answered_in_time", "judged"),
    ]


def _grade_column() -> tuple[Column, Any]:
    def make(counts: dict[str, Any]) -> Value:
        return grade(counts.get("percent"))
    return (Column("grade", "Grade", "The regulator's grade: good at 95 % or more, adequate from 90 %, "
                   "unsatisfactory below 90 %.", "rating"), make)


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec]:
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

    return [
        TableSpec("type", "By type", base, measures, by_type, (lead(by_type),), trailer, order=list(types.names),
                  total=True),
        TableSpec("team", "By team", base, measures, by_team, (lead(by_team),), trailer, total=True),
        TableSpec("month", "By month received", base, measures, by_month, (lead(by_month),), trailer,
                  order=sorted({p.start.year * 100 + p.start.month for p in facts.period.months()}), total=True),
    ]


TIMELINESS = register(Report(
    name="timeliness",
    title="Timeliness",
    summary="Cases answered in time, with an extension, late, and still open, by type, team and month, with "
            "the regulator's grade.",
    build=build,
    group="Performance",
    notes=(
        "Cases are counted in the period they were received in, and judged on the period's last day.",
        "The percentage in time is of cases answered, or open and past their due date: a case not yet due "
        "is not counted as in time.",
        "Grades: good at 95 % or more, adequate from 90 % to 95 %, unsatisfactory below 90 %.",
    ),
))

__all__ = ["TIMELINESS", "figures", "grade"]
