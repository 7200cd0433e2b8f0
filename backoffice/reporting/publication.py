"""The s.45 publication: the quarterly FOI and EIR figures a body of 100 or more staff should publish,
and the Disclosure Log's "Our FOI performance" page.

The figures are the Cabinet Office return's own conditions (``facts``), each quarter judged on its last
day (the quarter still running, today), so the public page, the return and the reports agree:

- answered in time: answered by the due date, which includes any extension the law allows;
- extended: the deadline was extended (a public interest test under FOI, complex and voluminous under
  the EIR) by the quarter's end;
- late: answered after the due date, or still unanswered with the due date passed;
- granted in full, refused in full (under an exemption, cost limit, vexatious or repeated), part
  refused (partially withheld): from the closure outcome;
- internal reviews: cases of the internal review type received in the quarter. A body with no such type
  records none, and the figure is shown as not recorded rather than as nought.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, not_
from sqlalchemy.orm import Session

from backoffice.cases.outcomes import Official
from backoffice.clocks import Law
from backoffice.intake.new_cases import today_in_london
from backoffice.reporting.facts import Facts, TypeSets
from backoffice.reporting.periods import Kind, Period, quarter_of
from backoffice.reporting.registry import Column, Context, Lead, Report, TableSpec, register, run_report
from backoffice.reporting.tally import Figure, Measure, Ratio

QUARTERS = 8


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def period(self) -> Period:
        return quarter_of(dt.date(self.year, 3 * self.number - 2, 1))

    @property
    def first_day(self) -> dt.date:
        return self.period.start

    @property
    def label(self) -> str:
        """``January to March 2026``."""
        return self.period.label

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
    #: The quarter has ended: its figures will not change.
    final: bool = True

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


def _figures(facts: Facts) -> list[Figure]:
    types = facts.types
    base = and_(facts.received(), facts.of_types(types.requests_under({Law.FOIA, Law.EIR, Law.FOISA,
                                                                       Law.EIR_SCOTLAND})))
    counted = and_(base, not_(facts.lapsed()))
    answered = facts.answered()
    in_time = facts.in_time()
    return [
        Measure("received", "Requests received", "FOI and EIR requests received in the quarter.", base),
        Measure("answered_in_time", "Answered in time",
                "Answered by the due date, including any extension the law allows.", and_(counted, answered, in_time)),
        Measure("extended", "Deadline extended", "The deadline was extended as the law allows.",
                and_(counted, facts.extended())),
        Measure("late", "Late", "Answered after the due date, or not answered with the due date passed.",
                and_(counted, facts.late())),
        Measure("open_in_time", "Not yet due", "Not answered and not yet due.",
                and_(counted, not_(answered), in_time)),
        Ratio("in_time_percent", "Answered in time (%)", "Answered in time, as a share of requests answered or late.",
              "answered_in_time", "judged"),
        Measure("judged", "Answered or late", "Requests answered, or not answered with the due date passed.",
                and_(counted, answered, in_time) | and_(counted, facts.late())),
        Measure("granted_in_full", "Granted in full", "All the information was provided.",
                and_(base, facts.category(Official.GRANTED_IN_FULL))),
        Measure("refused_in_full", "Refused in full", "Refused under an exemption or exception, the cost limit "
                "(s.12), or as vexatious or repeated (s.14).", and_(base, facts.category(Official.FULLY_WITHHELD))),
        Measure("part_refused", "Part refused", "Some of the information was withheld.",
                and_(base, facts.category(Official.PARTIALLY_WITHHELD))),
        Measure("internal_reviews", "Internal reviews received", "Internal reviews received in the quarter.",
                and_(facts.received(), facts.of_types(types.reviews))),
    ]


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec]:
    figures = _figures(facts)
    base = figures[0].where if isinstance(figures[0], Measure) else facts.received()
    everything = base | figures[-1].where  # type: ignore[union-attr]
    lead = Lead(Column("quarter", "Quarter" if facts.period.kind is Kind.QUARTER else "Period",
                       "The period the requests were received in.", "text"), lambda _: facts.period.label)
    return [TableSpec("s45", "FOI and EIR performance", everything, figures, leads=(lead,))]


S45_PUBLICATION = register(Report(
    name="s45-publication",
    title="FOI performance for publication (s.45 Code of Practice)",
    summary="The quarterly figures the s.45 Code of Practice expects a body of 100 or more staff to publish; "
            "the Disclosure Log's performance page shows them.",
    build=build,
    notes=(
        "Requests are counted in the quarter they were received in.",
        "Answered in time means a response was sent on or before the due date, including any extension the "
        "law allows.",
        "Late includes requests not yet answered whose due date has passed.",
        "Refused in full includes requests refused under an exemption or exception, on cost grounds "
        "(section 12) and as vexatious or repeated (section 14).",
    ),
))


def foi_performance(session: Session, *, quarters: int = QUARTERS, today: dt.date | None = None) -> Performance:
    """The last ``quarters`` calendar quarters (this one included, so far), newest first."""
    today = today or today_in_london()
    shown = [Quarter.of(today)]
    while len(shown) < quarters:
        shown.append(shown[-1].previous())
    reviews_recorded = bool(TypeSets.load(session).reviews)
    context = Context(today=today)
    found = []
    for quarter in shown:
        result = run_report(session, S45_PUBLICATION, quarter.period, context)
        table = result.tables[0]
        values = {c.key: cell.value if isinstance(cell.value, int) else 0
                  for c, cell in zip(table.columns, table.rows[0], strict=True)}
        found.append(QuarterFigures(
            quarter, **{k: values[k] for k in (
                "received", "answered_in_time", "extended", "late", "granted_in_full", "refused_in_full",
                "part_refused", "open_in_time")},
            internal_reviews=values["internal_reviews"] if reviews_recorded else None, final=result.final))
    notes = list(S45_PUBLICATION.notes)
    if not reviews_recorded:
        notes.append("Internal reviews are not recorded as cases here, so they cannot be counted.")
    return Performance(quarters=tuple(found), reviews_recorded=reviews_recorded, notes=tuple(notes))


__all__ = ["S45_PUBLICATION", "Performance", "Quarter", "QuarterFigures", "foi_performance"]
