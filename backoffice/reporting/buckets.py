"""The timeliness buckets: answered in time, with an extension, late, open in time, open and late.

Every case (or stage of a complaint) judged is in one of them on the judging day, or ended without an
answer and in none; the percentage in time is of those that can be judged. Written once for the report by
type, team and month and for complaints by stage, which judge different dates the same way.
"""

from __future__ import annotations

from sqlalchemy import and_, not_, or_, true

from backoffice.reporting.facts import Condition
from backoffice.reporting.tally import Figure, Measure, Ratio


def buckets(answered: Condition, in_time: Condition, late: Condition, extended: Condition,
            unanswered_closed: Condition, *, received: str = "Cases received in the period.",
            closed_heading: str = "Closed without an answer",
            closed_definition: str = "Closed without a response (withdrawn, lapsed, clarification or fee not "
                                     "received).") -> list[Figure]:
    """The five buckets, the base of the percentage and the percentage, from what a case (or a complaint's
    stage) is judged on: its answer by the judging day, its time limit, its extension, and whether it ended
    without an answer."""
    counted = not_(unanswered_closed)
    return [
        Measure("received", "Received", received, true()),
        Measure("in_time", "Answered in time", "Answered by the due date, with no extension.",
                and_(answered, in_time, not_(extended))),
        Measure("extended", "Answered in time with a permitted extension",
                "Answered by a due date the law allowed to be extended.", and_(answered, in_time, extended)),
        Measure("late", "Answered late", "Answered after the due date.", and_(answered, late)),
        Measure("open_in_time", "Open, still in time", "Not answered by the end of the period and not yet due.",
                and_(counted, not_(answered), in_time)),
        Measure("open_late", "Open and late", "Not answered by the end of the period and past the due date.",
                and_(counted, not_(answered), late)),
        Measure("closed_unanswered", closed_heading, closed_definition, unanswered_closed),
        Measure("judged", "Can be judged", "Answered, or open and late: the base of the percentage.",
                and_(counted, or_(answered, late))),
        Measure("answered_in_time", "Answered in time, extended or not", "Answered by the due date.",
                and_(answered, in_time)),
        Ratio("percent", "In time (%)", "Answered in time (extended or not), as a share of the cases that can be "
              "judged.", "answered_in_time", "judged"),
    ]


__all__ = ["buckets"]
