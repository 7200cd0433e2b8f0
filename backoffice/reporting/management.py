"""Management: who has how much work, how long answers take, what the service sends and hears back.

Workload counts by team, owner and type: cases received in the period, closed in it, open at its end,
and overdue at its end; the team and owner are those the case has now (a case moved between teams is
counted with its present team, said in the notes). Reminders and escalations count the cases that had
one in the period (from the audit log, where automation records each). Emails that could not be
delivered, the public's feedback and the Disclosure Log's deflection are figures of the service, not of
cases, so they are shown without a list of cases.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus, CaseType
from backoffice.deadlines.due_dates import calendar_of
from backoffice.disclosures.deflection import deflection_counts
from backoffice.feedback.survey import feedback_report
from backoffice.reporting.facts import Facts
from backoffice.reporting.registry import Cell, Column, Context, Lead, Report, ResultTable, TableSpec, register
from backoffice.reporting.tally import Figure, Grouping, Measure
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared.audit import AuditEvent
from shared.mail.models import OutboxMessage
from shared.mail.outbox import UNDELIVERED

#: The public services whose feedback is reported, as the survey stores them.
SERVICES = (("capture", "Request forms"), ("secureshare", "Secure Share"), ("disclosurelog", "Disclosure Log"))


def _cases_with(action: str, facts: Facts) -> Any:
    return Case.reference.in_(select(AuditEvent.object_id).where(
        AuditEvent.action == action, AuditEvent.object_type == "case",
        AuditEvent.occurred_at >= facts.period.begins(), AuditEvent.occurred_at < facts.cutoff))


def figures(facts: Facts) -> list[Figure]:
    received = facts.received()
    start = facts.period.begins()
    closed_in = and_(Case.closed_at >= start, Case.closed_at < facts.cutoff)
    open_at_end = and_(Case.received_on <= facts.as_at, facts.open())
    return [
        Measure("received", "Received", "Cases received in the period.", received),
        Measure("closed", "Closed", "Cases closed in the period, whenever received.", closed_in),
        Measure("open", "Open at the end", "Cases received by the end of the period and not closed by then.",
                open_at_end),
        Measure("overdue", "Overdue at the end", "Open at the end of the period with the due date passed.",
                and_(open_at_end, Case.due_on < facts.as_at)),
        Measure("reminded", "Sent a reminder", "Cases automation sent a reminder about in the period.",
                _cases_with("automation.reminder_sent", facts)),
        Measure("escalated", "Escalated", "Cases escalated in the period.", _cases_with("case.escalated", facts)),
    ]


#: A complaint's stages, as the complaint type's statuses name them (``case_types.BUILT_IN``).
STAGES = (("1", "stage_1", "stage 1"), ("2", "stage_2", "stage 2"), ("3", "stage_3", "stage 3"))


def complaint_stage_figures(session: Session, facts: Facts) -> list[Figure]:
    """Complaints received in the period by the furthest stage each had reached on the judging day, and
    how many were closed there.

    A closed complaint's status is "Closed", so the stage is read from the audit log: the status changes
    (by staff or a routine) into a stage's status before the period's end. Every complaint starts at
    stage 1; one moved to stage 2 (or 3) is counted there, even if it went straight to 3. The log
    names the status as it was labelled then, so a stage status renamed since is matched by its
    present label only (said in the notes).
    """
    labels: dict[str, set[str]] = {key: set() for _, key, _ in STAGES}
    ids = facts.types.complaints
    for key, label in session.execute(select(CaseStatus.key, CaseStatus.label).where(
            CaseStatus.case_type_id.in_(ids), CaseStatus.key.in_(sorted(labels)))):
        labels[key].add(label)

    def reached(key: str) -> Any:
        if not labels[key]:
            return false()
        return Case.reference.in_(select(AuditEvent.object_id).where(
            AuditEvent.action == "case.status_changed", AuditEvent.object_type == "case",
            AuditEvent.occurred_at < facts.cutoff,
            AuditEvent.detail["to_status"].as_string().in_(sorted(labels[key]))))

    two, three = reached("stage_2"), reached("stage_3")
    at = {"1": and_(not_(two), not_(three)), "2": and_(two, not_(three)), "3": three}
    figures: list[Figure] = [Measure("received", "Received", "Complaints received in the period.", facts.always())]
    for number, _, words in STAGES:
        further = " and not moved further" if number != "3" else ""
        figures += [
            Measure(f"stage{number}", f"At {words}", f"Complaints whose furthest stage by the end of the period was "
                    f"{words}{further}.", at[number]),
            Measure(f"stage{number}_closed", f"Closed at {words}",
                    f"Complaints closed by the end of the period at {words}.", and_(facts.closed(), at[number])),
        ]
    figures.append(Measure("open", "Open at the end", "Complaints not closed by the end of the period.", facts.open()))
    return figures


def _population(facts: Facts) -> Any:
    start = facts.period.begins()
    return or_(facts.received(), and_(Case.closed_at >= start, Case.closed_at < facts.cutoff),
               and_(Case.received_on <= facts.as_at, facts.open()))


def response_times(session: Session, facts: Facts) -> ResultTable:
    """Working days from receipt to answer, per type, of the cases received in the period and answered by
    its end: the mean and the median, counted on each type's own calendar."""
    rows = session.execute(select(Case.case_type_id, Case.received_on, Case.responded_on)
                           .where(facts.received(), facts.answered())).all()
    days: dict[int, list[int]] = {}
    calendars = {}
    for type_id, received, responded in rows:
        if responded is None:
            continue
        if type_id not in calendars:
            calendars[type_id] = calendar_of(session, session.get_one(CaseType, type_id))
        days.setdefault(type_id, []).append(max(0, calendars[type_id].working_days_between(received, responded)))
    columns = [Column("type", "Type", "The type of case.", "text"),
               Column("answered", "Answered", "Cases received in the period and answered by its end."),
               Column("mean", "Average working days to answer", "The mean of working days from receipt to answer.",
                      "number"),
               Column("median", "Median working days to answer", "Half were answered in this many working days or fewer.",
                      "number")]
    table_rows = [[Cell(facts.types.names[type_id]), Cell(len(values)), Cell(round(statistics.fmean(values), 1)),
                   Cell(statistics.median(values))] for type_id, values in sorted(days.items())]
    return ResultTable("response-times", "Time to answer", columns, table_rows)


def service_figures(session: Session, facts: Facts) -> ResultTable:
    start, end = facts.period.begins(), facts.cutoff
    undelivered = int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == UNDELIVERED, OutboxMessage.failed_at >= start, OutboxMessage.failed_at < end)) or 0)
    deflection = deflection_counts(session, start, end)
    rows = [[Cell("Emails that could not be delivered"), Cell(undelivered)],
            [Cell("Published answers suggested to people writing a request"), Cell(deflection.shown)],
            [Cell("Suggested answers people opened"), Cell(deflection.followed)],
            [Cell("Requests not sent after opening a suggested answer"), Cell(deflection.not_sent_after_following)]]
    for service, name in SERVICES:
        feedback = feedback_report(session, service, start, end)
        rows.append([Cell(f"{name}: feedback received"), Cell(feedback.total)])
        rows.append([Cell(f"{name}: satisfied or very satisfied (%)"),
                     Cell(None if feedback.satisfaction is None else round(100 * feedback.satisfaction, 1))])
    columns = [Column("figure", "Figure", "What is counted.", "text"),
               Column("value", "Value", "The count or percentage in the period.", "number")]
    return ResultTable("service", "Emails, feedback and published answers", columns, rows)


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec | ResultTable]:
    types = facts.types
    measures = figures(facts)
    population = _population(facts)
    teams: dict[int, str] = {row.id: row.name for row in session.execute(select(Group.id, Group.name))}
    owners: dict[int, str] = {row.id: row.name for row in session.execute(select(StaffUser.id, StaffUser.name))}
    by_team = Grouping("team", "Team", Case.team_group_id,
                       lambda v: "No team" if v is None else teams.get(v, "Unknown team"))
    by_owner = Grouping("owner", "Owner", Case.owner_id,
                        lambda v: "Not claimed" if v is None else owners.get(v, "Unknown person"))
    by_type = Grouping("type", "Type", Case.case_type_id, lambda v: types.names.get(v, "Unknown type"))

    def lead(grouping: Grouping) -> Lead:
        return Lead(Column(grouping.key, grouping.heading, f"The {grouping.heading.lower()} the case has now.", "text"),
                    grouping.label)

    return [
        TableSpec("team", "Workload by team", population, measures, by_team, (lead(by_team),), total=True),
        TableSpec("owner", "Workload by owner", population, measures, by_owner, (lead(by_owner),), total=True),
        TableSpec("type", "Workload by type", population, measures, by_type, (lead(by_type),),
                  order=list(types.names), total=True),
        TableSpec("complaints", "Complaints by stage", and_(facts.received(), facts.of_types(types.complaints)),
                  complaint_stage_figures(session, facts), by_type, (lead(by_type),),
                  order=[i for i in types.names if i in types.complaints], total=True),
        response_times(session, facts),
        service_figures(session, facts),
    ]


MANAGEMENT = register(Report(
    name="management",
    title="Management",
    summary="Workload by team, owner and type; time to answer; reminders and escalations; undelivered "
            "emails; feedback; published answers suggested to requesters.",
    build=build,
    group="Performance",
    notes=(
        "Received counts cases received in the period; closed, those closed in it; open and overdue are at "
        "the period's end.",
        "A case is counted with the team and owner it has now.",
        "Working days to answer are counted on each type's calendar, from the day received to the day answered.",
        "Complaints by stage counts complaints received in the period by the furthest stage they had reached at "
        "its end, from the status changes in the audit log; a stage status renamed since is matched by its "
        "present name.",
    ),
))

__all__ = ["MANAGEMENT", "figures"]
