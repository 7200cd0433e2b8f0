"""The Cabinet Office FOI return: one row per body per period, the official dataset's columns in order.

Requests are counted in the period they were received in and judged on the period's last day (or today
while it runs). The identities the published data obeys hold by construction and are tested:

- received = processed + on hold or lapsed + still being processed;
- 20-day deadline met + permitted extension + late = received excluding on hold and lapsed (open
  requests included: an open request not yet due is in time so far, one past its due date is late);
- resolvable = that total - advice and assistance - not held
  = granted in full + partially withheld + fully withheld + response not yet provided;
- vexatious + repeated + cost limit + exemption = fully withheld.

The two timeliness percentages are of requests that can be judged (answered, or open and late): an open
request not yet due is not counted as a success, which is the fault of counting it in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import and_, false, not_, or_, select
from sqlalchemy.orm import Session

from backoffice.cases.exemptions import EIR_EXCEPTIONS, FOI_EXEMPTIONS
from backoffice.cases.models import Case, CaseType
from backoffice.cases.outcomes import Official, RefusalReason, ReviewOutcome
from backoffice.clocks import Law
from backoffice.deadlines.due_dates import calendar_of
from backoffice.reporting.facts import EIR_LAWS, Condition, Facts
from backoffice.reporting.periods import Kind
from backoffice.reporting.registry import Column, Context, Lead, Report, TableSpec, register
from backoffice.reporting.tally import Figure, Measure, Ratio

#: FOI exemption columns: S(22) to S(44), s.21 apart (it is reported in its own columns).
FOI_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (key, f"S({key[1:]})") for key in FOI_EXEMPTIONS if key != "s21")
#: EIR exception columns, 3(a) being reg. 12(3) (personal data, under reg. 13).
EIR_COLUMNS: tuple[tuple[str, str], ...] = (("r13", "3(a)"), *tuple((key, f"{key[4]}({key[6]})") for key in EIR_EXCEPTIONS if key.startswith("r12_")))
BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("20", "up to 20 working days", 0, 20), ("40", "21 to 40 working days", 21, 40),
    ("more", "over 40 working days", 41, None))


def _bands(prefix: str, heading: str, definition: str, lengths: dict[int, int]) -> list[Figure]:
    """A figure per band: the cases whose length is in it, their count known from the lengths (``known``)."""
    figures: list[Figure] = []
    for key, words, low, high in BANDS:
        ids = sorted(i for i, n in lengths.items() if n >= low and (high is None or n <= high))
        figures.append(Measure(f"{prefix}_{key}", f"{heading}: {words}", f"{definition} ({words}).",
                               Case.id.in_(ids) if ids else false(), known=len(ids)))
    return figures


def _extension_lengths(session: Session, facts: Facts, base: Condition) -> dict[int, int]:
    """Working days each extended request's deadline moved past the 20-day limit, by case id."""
    rows = session.execute(select(Case.id, Case.case_type_id, Case.received_on, Case.due_on)
                           .where(base, facts.extended(), Case.due_on.is_not(None))).all()
    calendars = {}
    lengths = {}
    for row in rows:
        if row.case_type_id not in calendars:
            calendars[row.case_type_id] = calendar_of(session, session.get_one(CaseType, row.case_type_id))
        calendar = calendars[row.case_type_id]
        limit = calendar.add_working_days(row.received_on, 20)
        lengths[row.id] = max(0, calendar.working_days_between(limit, row.due_on))
    return lengths


def _review_lengths(session: Session, facts: Facts, base: Condition) -> dict[int, int]:
    """Working days each review decided by the judging day took, from receipt to the decision."""
    rows = session.execute(select(Case.id, Case.case_type_id, Case.received_on, Case.responded_on)
                           .where(base, facts.answered())).all()
    calendars = {}
    lengths = {}
    for row in rows:
        if row.case_type_id not in calendars:
            calendars[row.case_type_id] = calendar_of(session, session.get_one(CaseType, row.case_type_id))
        lengths[row.id] = calendars[row.case_type_id].working_days_between(row.received_on, row.responded_on)
    return lengths


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec]:
    types = facts.types
    requests = types.requests_under({Law.FOIA, Law.EIR})
    base = and_(facts.received(), facts.of_types(requests))
    lapsed = facts.lapsed()
    counted = not_(lapsed)
    closed = facts.closed()
    extended = facts.extended()
    in_time = facts.in_time()
    judged = or_(facts.answered(), facts.late())
    held = facts.category
    r = RefusalReason

    figures: list[Figure] = [
        Measure("received", "Total requests received", "Requests received in the period.", facts.always()),
        Measure("processed", "Requests Processed",
                "Requests closed with an outcome by the end of the period, other than on hold or lapsed.",
                and_(closed, counted)),
        Measure("lapsed", "Requests on-hold or lapsed",
                "Requests closed as lapsed: the fee was not paid, clarification was not received, or the "
                "request was withdrawn.", lapsed),
        Measure("open", "Requests still being processed", "Requests not closed by the end of the period.",
                facts.open()),
        Measure("eir", "Requests handled under EIRs", "Requests of a type answered under the EIR.",
                facts.of_types(types.requests_under(EIR_LAWS))),
        Measure("counted", "Total requests received (excluding on-hold and lapsed)",
                "Requests received, less those on hold or lapsed.", counted),
        Measure("met", "20-day deadline met",
                "Answered by the due date with no extension, or still open and not yet due.",
                and_(counted, in_time, not_(extended))),
        Measure("extension", "Permitted extension to 20-day deadline",
                "The deadline was extended as the law allows (public interest test under FOI, complex and "
                "voluminous under the EIR), and the request was answered by the extended date or is not yet due.",
                and_(counted, in_time, extended)),
        Measure("late", "Late response (i.e. 20-day deadline missed)",
                "Answered after the due date, or still open with the due date passed.", and_(counted, facts.late())),
        Measure("judged", "Requests that can be judged for timeliness",
                "Requests answered, or still open with the due date passed: the base of the two percentages.",
                and_(counted, judged)),
        Measure("answered_met", "Answered within 20 working days",
                "Requests answered by the due date with no extension.",
                and_(counted, facts.answered(), in_time, not_(extended))),
        Measure("answered_in_time", "Answered in time",
                "Requests answered by the due date, extended or not.", and_(counted, facts.answered(), in_time)),
        Ratio("met_percent", "Percentage of requests where the 20-day deadline was met",
              "Answered within 20 working days, as a share of requests that can be judged.", "answered_met", "judged"),
        Ratio("in_time_percent", "Percentage of requests processed in time",
              "Answered within 20 working days or a permitted extension, as a share of requests that can be judged.",
              "answered_in_time", "judged"),
        Measure("advice", "Advice and assistance provided", "Closed with advice and assistance only.",
                held(Official.ADVICE_AND_ASSISTANCE)),
        Measure("not_held", "Information not held", "Closed as information not held.", held(Official.NOT_HELD)),
        Measure("resolvable", 'Total "resolvable" requests',
                "Requests excluding on hold, lapsed, advice and assistance and information not held.",
                and_(counted, not_(held(Official.ADVICE_AND_ASSISTANCE)), not_(held(Official.NOT_HELD)))),
        Measure("granted", "Initial Outcome: Granted in full", "Closed with all the information provided.",
                held(Official.GRANTED_IN_FULL)),
        Measure("partial", "Initial Outcome: Partially withheld", "Closed with some information withheld.",
                held(Official.PARTIALLY_WITHHELD)),
        Measure("withheld", "Initial Outcome: Fully withheld", "Closed with all the information withheld.",
                held(Official.FULLY_WITHHELD)),
        Measure("not_provided", "Initial Outcome: Response not yet provided",
                "Not closed by the end of the period.", and_(counted, facts.open())),
        Ratio("granted_percent", "Percentage of resolvable requests granted in full",
              "Granted in full, as a share of resolvable requests.", "granted", "resolvable"),
        Ratio("withheld_percent", "Percentage of resolvable requests fully withheld",
              "Fully withheld, as a share of resolvable requests.", "withheld", "resolvable"),
        Measure("vexatious", "Fully refused - vexatious (s.14(1))", "Refused in full as vexatious.",
                held(Official.FULLY_WITHHELD, r.VEXATIOUS)),
        Measure("repeated", "Fully refused - repeated (s.14(2))", "Refused in full as a repeated request.",
                held(Official.FULLY_WITHHELD, r.REPEATED)),
        Measure("cost", "Fully refused - cost limit (s.12)", "Refused in full as over the cost limit.",
                held(Official.FULLY_WITHHELD, r.COST_LIMIT)),
        Measure("exemption", "Fully refused - exemption", "Refused in full under an exemption or exception.",
                held(Official.FULLY_WITHHELD, r.EXEMPTION)),
    ]
    # Each exemption's count comes from one pass over every closed request's list (``Measure.element``).
    closed_requests = and_(base, closed)
    for key, heading, label in [*((k, h, FOI_EXEMPTIONS[k]) for k, h in FOI_COLUMNS),
                                *((k, h, EIR_EXCEPTIONS[k]) for k, h in EIR_COLUMNS)]:
        figures.append(Measure(f"x_{key}", heading, f"Requests where {label} was applied.",
                               facts.with_exemption(key), element=key, scope=closed_requests))
    figures += [
        Measure("any_exemption", "Number of requests where an exemption was claimed",
                "Closed requests with at least one exemption or exception recorded.", facts.any_exemption()),
        Measure("x_s21", "S(21) applied", "Requests where s.21 (information accessible by other means) was applied.",
                facts.with_exemption("s21"), element="s21", scope=closed_requests),
        Measure("only_s21", "Requests where s.21 was the only exemption applied",
                "Requests whose only exemption was s.21.", facts.only_exemption("s21")),
    ]
    figures += _bands("pit", "Permitted extension", "The deadline moved past the 20-day limit by",
                      _extension_lengths(session, facts, base))
    # Each request figure counts requests only: the table also reads the period's reviews and complaints.
    figures = [replace(f, where=and_(base, f.where)) if isinstance(f, Measure) else f for f in figures]
    reviews = and_(facts.received(), facts.of_types(types.reviews))
    complaints = and_(facts.received(), facts.of_types(types.regulator))
    figures += _reviews(session, facts, "ir", "Internal reviews", reviews)
    figures += _reviews(session, facts, "ico", "ICO complaints", complaints, bands=False)
    leads = (
        Lead(Column("period", "Quarter" if facts.period.kind is Kind.QUARTER else "Period",
                    "The period the requests were received in.", "text"), lambda _: facts.period.label),
        Lead(Column("body", "Government body", "The body the return is for.", "text"), lambda _: context.body_name),
    )
    # The same cases as ``or_(base, reviews, complaints)``, written so that being received in the period is
    # seen to hold of all of them (the count need not work it out per case: ``tally``).
    every = and_(facts.received(), facts.of_types([*requests, *types.reviews, *types.regulator]))
    return [TableSpec("return", "Cabinet Office FOI return", every, figures, leads=leads)]


def _reviews(session: Session, facts: Facts, prefix: str, title: str, base: Condition,
             *, bands: bool = True) -> list[Figure]:
    """Reviews or regulator complaints received in the period, their outcomes and (reviews) how long they took.

    These are cases of their own types, so each figure carries its own base.
    """
    outcome = facts.types.review_keys
    figures: list[Figure] = [
        Measure(f"{prefix}_received", f"{title} received", f"{title} received in the period.", base),
        Measure(f"{prefix}_upheld", f"{title}: original decision upheld in full", "Closed upholding the original answer.",
                and_(base, facts.outcome_in(outcome(ReviewOutcome.UPHELD_IN_FULL)))),
        Measure(f"{prefix}_part", f"{title}: original decision upheld in part",
                "Closed upholding part of the original answer.",
                and_(base, facts.outcome_in(outcome(ReviewOutcome.UPHELD_IN_PART)))),
        Measure(f"{prefix}_overturned", f"{title}: original decision overturned", "Closed overturning the original answer.",
                and_(base, facts.outcome_in(outcome(ReviewOutcome.OVERTURNED)))),
        Measure(f"{prefix}_open", f"{title}: not yet decided", "Not closed by the end of the period.",
                and_(base, facts.open())),
    ]
    if bands:
        figures += _bands(prefix, f"{title} decided", "Decided, from receipt to decision, in",
                          _review_lengths(session, facts, base))
    return figures


CABINET_OFFICE_RETURN = register(Report(
    name="cabinet-office-return",
    title="Cabinet Office FOI return",
    summary="Requests received in a quarter or year, their timeliness, outcomes, exemptions, reviews and "
            "ICO complaints, in the columns of the official FOI statistics.",
    build=build,
    notes=(
        "Requests are counted in the period they were received in, and judged on the period's last day.",
        "On hold or lapsed means closed because the fee was not paid, clarification was not received, or the "
        "request was withdrawn.",
        "The timeliness percentages are of requests that can be judged: answered, or open with the due date "
        "passed. An open request not yet due is not counted as in time.",
        "Due dates are those recorded now; they include every extension and pause the law allows.",
    ),
))

__all__ = ["CABINET_OFFICE_RETURN", "EIR_COLUMNS", "FOI_COLUMNS"]
