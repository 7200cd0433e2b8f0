"""The Scottish Information Commissioner's quarterly return, for bodies answering under FOISA and the
EIR (Scotland).

The Commissioner counts activity in the period, not requests by when they arrived: requests received in
the quarter; responses sent in it, on time or late; requests whose due date fell in it without an answer
by its end (failures to respond); fee notices issued in it; outcomes, refusal reasons and exemptions of
the requests closed in it; reviews received and decided in it. So a request received in March and
answered in April is received in the first quarter and answered in the second.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from backoffice.cases.exemptions import EIR_SCOTLAND_EXCEPTIONS, FOISA_EXEMPTIONS
from backoffice.cases.models import Case, ClockEventRecord
from backoffice.cases.outcomes import Official, RefusalReason, ReviewOutcome
from backoffice.clocks import EventKind, Law
from backoffice.reporting.facts import Condition, Facts
from backoffice.reporting.registry import Column, Context, Lead, Report, TableSpec, register
from backoffice.reporting.tally import Figure, Measure


def _activity(facts: Facts) -> dict[str, Condition]:
    start = facts.period.begins()
    return {
        "received": facts.received(),
        "answered": and_(Case.responded_on >= facts.period.start, Case.responded_on <= facts.as_at),
        "closed": and_(Case.closed_at >= start, Case.closed_at < facts.cutoff),
        "due": and_(Case.due_on >= facts.period.start, Case.due_on <= facts.as_at),
    }


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec]:
    types = facts.types
    foisa = facts.of_types(types.requests_under({Law.FOISA}))
    eirs = facts.of_types(types.requests_under({Law.EIR_SCOTLAND}))
    requests = or_(foisa, eirs)
    reviews = facts.of_types(types.reviews)
    act = _activity(facts)
    closed_request = and_(requests, act["closed"])

    def closed_as(category: Official, reason: RefusalReason | None = None) -> Condition:
        keys = sorted(types.keys_in(category, reason))
        return and_(closed_request, Case.outcome.in_(keys)) if keys else Case.id.is_(None)

    def review_decided(outcome: ReviewOutcome) -> Condition:
        keys = sorted(types.review_keys(outcome))
        return and_(reviews, act["closed"], Case.outcome.in_(keys)) if keys else Case.id.is_(None)

    fee_noticed = Case.id.in_(select(ClockEventRecord.case_id).where(
        ClockEventRecord.kind == EventKind.FEE_REQUESTED.value, ClockEventRecord.on >= facts.period.start,
        ClockEventRecord.on <= facts.as_at))
    on_time = or_(Case.due_on.is_(None), Case.responded_on <= Case.due_on)
    r = RefusalReason
    figures: list[Figure] = [
        Measure("foisa_received", "FOISA requests received", "Requests under FOISA received in the quarter.",
                and_(foisa, act["received"])),
        Measure("eirs_received", "EIRs requests received", "Requests under the EIR (Scotland) received in the quarter.",
                and_(eirs, act["received"])),
        Measure("responded", "Responses sent", "Requests answered in the quarter, whenever received.",
                and_(requests, act["answered"])),
        Measure("on_time", "Responded to on time", "Answered in the quarter by the due date.",
                and_(requests, act["answered"], on_time)),
        Measure("late", "Responded to late", "Answered in the quarter after the due date.",
                and_(requests, act["answered"], not_(on_time))),
        Measure("failed", "Failures to respond", "Requests due in the quarter and not answered by its end.",
                and_(requests, act["due"], or_(Case.responded_on.is_(None), Case.responded_on > facts.as_at),
                     not_(facts.lapsed()))),
        Measure("fees", "Fee notices issued", "Requests a fee was asked for in the quarter.",
                and_(requests, fee_noticed)),
        Measure("closed", "Requests closed", "Requests closed in the quarter.", closed_request),
        Measure("full", "Information provided in full", "Closed in the quarter, all the information provided.",
                closed_as(Official.GRANTED_IN_FULL)),
        Measure("part", "Information provided in part", "Closed in the quarter, some information withheld.",
                closed_as(Official.PARTIALLY_WITHHELD)),
        Measure("withheld", "Information withheld in full", "Closed in the quarter, all the information withheld.",
                closed_as(Official.FULLY_WITHHELD)),
        Measure("not_held", "Information not held", "Closed in the quarter as not held (FOISA s.17).",
                closed_as(Official.NOT_HELD)),
        Measure("cost", "Refused: excessive cost (s.12)", "Refused in full as over the cost limit.",
                closed_as(Official.FULLY_WITHHELD, r.COST_LIMIT)),
        Measure("vexatious", "Refused: vexatious (s.14(1))", "Refused in full as vexatious.",
                closed_as(Official.FULLY_WITHHELD, r.VEXATIOUS)),
        Measure("repeated", "Refused: repeated (s.14(2))", "Refused in full as repeated.",
                closed_as(Official.FULLY_WITHHELD, r.REPEATED)),
        Measure("exemption", "Refused: exemption or exception", "Refused in full under an exemption or exception.",
                closed_as(Official.FULLY_WITHHELD, r.EXEMPTION)),
        Measure("reviews_received", "Reviews received", "Requests for review received in the quarter.",
                and_(reviews, act["received"])),
        Measure("reviews_upheld", "Reviews: original decision upheld", "Reviews decided in the quarter upholding it.",
                review_decided(ReviewOutcome.UPHELD_IN_FULL)),
        Measure("reviews_modified", "Reviews: upheld with modifications",
                "Reviews decided in the quarter upholding part of it.", review_decided(ReviewOutcome.UPHELD_IN_PART)),
        Measure("reviews_overturned", "Reviews: original decision overturned or substituted",
                "Reviews decided in the quarter overturning it.", review_decided(ReviewOutcome.OVERTURNED)),
    ]
    foisa_closed, eirs_closed = and_(foisa, act["closed"]), and_(eirs, act["closed"])
    for key, label in FOISA_EXEMPTIONS.items():
        figures.append(Measure(f"x_{key}", label.split(" ", 1)[0].replace("s.", "s"), f"Closed in the quarter "
                               f"applying {label}.", and_(foisa_closed, facts.with_exemption(key)),
                               element=key, scope=foisa_closed))
    for key, label in EIR_SCOTLAND_EXCEPTIONS.items():
        figures.append(Measure(f"x_{key}", label.split(" ", 2)[1], f"Closed in the quarter applying {label}.",
                               and_(eirs_closed, facts.with_exemption(key)), element=key, scope=eirs_closed))
    population = or_(and_(requests, or_(*act.values(), fee_noticed)), and_(reviews, or_(act["received"],
                                                                                         act["closed"])))
    leads = (Lead(Column("period", "Quarter", "The quarter counted.", "text"), lambda _: facts.period.label),
             Lead(Column("body", "Authority", "The Scottish public authority.", "text"), lambda _: context.body_name))
    return [TableSpec("return", "Scottish Information Commissioner return", population, figures, leads=leads)]


SCOTTISH_RETURN = register(Report(
    name="scottish-commissioner-return",
    title="Scottish Information Commissioner return",
    summary="FOISA and EIR (Scotland) requests received, answered, late and unanswered in a quarter; fees, "
            "outcomes, refusal reasons, reviews, and each exemption and exception.",
    build=build,
    notes=(
        "Counted by activity in the quarter: received, answered, due, closed or reviewed in it.",
        "Only requests answered under FOISA and the EIR (Scotland) are counted: a body in England, Wales or "
        "Northern Ireland has none.",
    ),
))

__all__ = ["SCOTTISH_RETURN"]
