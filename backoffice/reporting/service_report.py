"""The service report (seed 001): for a month or a quarter, what happened to the services and how they did
against the service model's promises.

Built from the data like every report in the catalogue, so it is reproducible for a past period and downloads
as XLSX, ODS and CSV. Incidents are judged by the instants stored on them: one received in the period is in
its analysis; one resolved in it is measured against its targets. Capacity is the cases received in the
period by type, and its counts link to their cases. Probes never make cases, so they never count here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.cases.models import Case
from backoffice.incidents import clock as incident_clock
from backoffice.incidents import service_levels as levels
from backoffice.incidents.attainment import attainment
from backoffice.incidents.availability import availability
from backoffice.incidents.incidents import SECURITY_KINDS, STATUS_NAMES
from backoffice.incidents.models import Incident, Maintenance, MajorOutageReport
from backoffice.organisation.bank_holidays import deadline_engine
from backoffice.organisation.body import body_nation
from backoffice.reporting.facts import Facts
from backoffice.reporting.registry import Cell, Column, Context, Lead, Report, ResultTable, TableSpec, register
from backoffice.reporting.tally import Grouping, Measure
from backoffice.support.models import SupportRequest
from backoffice.support.requests import KINDS

_SERVICE = Column("service", "Service", "The service the incident affected.", "text")
_PRIORITY = Column("priority", "Priority", "The incident's priority now (P1 highest).", "text")


def _in(column: InstrumentedAttribute[Any], facts: Facts) -> ColumnElement[bool]:
    return and_(column >= facts.period.begins(), column < facts.cutoff)


def _incidents(session: Session, *conditions: ColumnElement[bool]) -> list[Incident]:
    return list(session.scalars(select(Incident).where(*conditions).order_by(Incident.received_at, Incident.id)))


def terms_table(session: Session) -> ResultTable:
    model = levels.service_model(session)
    terms = levels.TERMS[model]
    columns = [_PRIORITY, Column("definition", "Definition", "What the priority means (seed 001).", "text"),
               Column("response", "Response target", "Elapsed service time to respond.", "text"),
               Column("resolve", "Resolve target", "Elapsed service time to resolve, pauses excluded.", "text")]
    rows = [[Cell(p.value), Cell(p.definition), Cell(str(terms.response.get(p, "None"))),
             Cell(str(terms.resolve.get(p, "None")))] for p in levels.Priority]
    return ResultTable("service-levels", f"Service levels ({model.label}: service hours {terms.opens:%H:%M} to "
                       f"{terms.closes:%H:%M}, Monday to Friday, not on bank holidays)", columns, rows)


def incident_analysis(session: Session, facts: Facts) -> ResultTable:
    """By service and priority: raised, resolved and still open at the period's end."""
    start, end = facts.period.begins(), facts.cutoff
    touched = _incidents(session, Incident.received_at < end,
                         or_(Incident.resolved_at.is_(None), Incident.resolved_at >= start))
    counts: dict[tuple[str, str], list[int]] = {}
    for incident in touched:
        row = counts.setdefault((incident.service, incident.priority), [0, 0, 0])
        row[0] += start <= incident.received_at < end
        row[1] += incident.resolved_at is not None and start <= incident.resolved_at < end
        row[2] += incident.resolved_at is None or incident.resolved_at >= end
    columns = [_SERVICE, _PRIORITY,
               Column("raised", "Raised", "Incidents received in the period."),
               Column("resolved", "Resolved", "Incidents resolved in the period (a workaround counts)."),
               Column("open", "Open at the end", "Incidents received by the period's end and not resolved by then.")]
    rows = [[Cell(levels.Service(service).label), Cell(priority), *(Cell(n) for n in numbers)]
            for (service, priority), numbers in sorted(counts.items(), key=lambda kv: (list(levels.Service).index(
                levels.Service(kv[0][0])), kv[0][1]))]
    return ResultTable("incidents", "Incident analysis", columns, rows)


def support_analysis(session: Session, facts: Facts) -> ResultTable:
    """Service requests and problems staff raised with the desk: raised, answered, closed, open at the end."""
    start, end = facts.period.begins(), facts.cutoff
    rows = []
    for kind, label in KINDS.items():
        of_kind = list(session.scalars(select(SupportRequest).where(
            SupportRequest.kind == kind, SupportRequest.created_at < end,
            or_(SupportRequest.closed_at.is_(None), SupportRequest.closed_at >= start))))
        rows.append([Cell(label), Cell(sum(start <= r.created_at < end for r in of_kind)),
                     Cell(sum(r.answered_at is not None and start <= r.answered_at < end for r in of_kind)),
                     Cell(sum(r.closed_at is not None and start <= r.closed_at < end for r in of_kind)),
                     Cell(sum(r.closed_at is None or r.closed_at >= end for r in of_kind)),
                     Cell(sum(r.articles_shown > 0 for r in of_kind if start <= r.created_at < end))])
    columns = [Column("kind", "Kind", "A service request asks for something; a problem reports a fault.", "text"),
               Column("raised", "Raised", "Support requests raised in the period."),
               Column("answered", "Answered", "First answered by the service desk in the period."),
               Column("closed", "Closed", "Closed in the period."),
               Column("open", "Open at the end", "Raised by the period's end and not closed by then."),
               Column("suggested", "Shown help articles", "Raised in the period after help articles were suggested.")]
    return ResultTable("support", "Service requests and problems", columns, rows)


def _minutes(value: dt.timedelta) -> float:
    return round(value.total_seconds() / 60, 1)


def availability_record(session: Session, facts: Facts) -> ResultTable:
    """Each service's availability in the period, from time inside 08:00-18:30 on working days."""
    columns = [_SERVICE,
               Column("measured", "Measured (hours)", "Availability hours less maintenance and time with no probe data.",
                      "number"),
               Column("downtime", "Downtime (minutes)", "Failing probes and P1 incidents, inside the hours.", "number"),
               Column("maintenance", "Maintenance (minutes)", "Planned maintenance inside the hours, not downtime.",
                      "number"),
               Column("no_data", "No probe data (minutes)", "Time nothing was measured, shown apart.", "number"),
               Column("availability", "Availability (%)", "Of the measured time, the share the service was up.",
                      "percent"),
               Column("budget_left", "Error budget left (minutes)", "Downtime the 99.9 % target still allows.",
                      "number"),
               Column("met", "Target met", "99.9 % of the measured time.", "text")]
    rows = []
    for service in levels.Service:
        figures = availability(session, service, facts.period.begins(), facts.cutoff)
        share = figures.availability
        rows.append([Cell(service.label), Cell(round(figures.measured.total_seconds() / 3600, 1)),
                     Cell(_minutes(figures.downtime)), Cell(_minutes(figures.maintenance)),
                     Cell(_minutes(figures.no_data)), Cell(None if share is None else round(100 * share, 3)),
                     Cell(_minutes(figures.budget_left)),
                     Cell("" if figures.met is None else "Yes" if figures.met else "No")])
    return ResultTable("availability", "Availability record", columns, rows)


def twelve_month_attainment(session: Session, facts: Facts) -> ResultTable:
    """Seed 001's measure: 95 % per priority per service, over the 12 months to the period's end."""
    columns = [_SERVICE, _PRIORITY,
               Column("resolved", "Resolved in 12 months", "Incidents resolved (or worked around) in the 12 months "
                      "to the period's end."),
               Column("response", "Response within target (%)", "Of those with a response target.", "percent"),
               Column("resolve", "Resolved within target (%)", "Of those with a resolve target.", "percent"),
               Column("attained", "95 % attained", "Both measures at 95 % or more (where there is a target).", "text")]
    rows = []
    for row in attainment(session, facts.cutoff):
        shares = [share for share in (row.response, row.resolve) if share.share is not None]
        attained = "" if not shares else "Yes" if all(share.attained for share in shares) else "No"
        rows.append([Cell(levels.Service(row.service).label), Cell(row.priority), Cell(row.resolved),
                     Cell(None if row.response.share is None else round(100 * row.response.share, 1)),
                     Cell(None if row.resolve.share is None else round(100 * row.resolve.share, 1)), Cell(attained)])
    return ResultTable("attainment", "Target attainment over the last 12 months", columns, rows)


def _met(due: dt.datetime | None, stopped: dt.datetime | None) -> bool | None:
    if due is None or stopped is None:
        return None
    return stopped <= due


def target_performance(session: Session, facts: Facts) -> ResultTable:
    """Of the incidents resolved in the period, the share that met each target, by service and priority."""
    resolved = _incidents(session, _in(Incident.resolved_at, facts))
    tally: dict[tuple[str, str], list[int]] = {}
    for incident in resolved:
        row = tally.setdefault((incident.service, incident.priority), [0, 0, 0, 0, 0])
        row[0] += 1
        for offset, (due, stopped) in enumerate(((incident.response_due_at, incident.responded_at),
                                                 (incident.resolve_due_at, incident.resolved_at))):
            met = _met(due, stopped)
            if met is not None:
                row[1 + 2 * offset] += 1
                row[2 + 2 * offset] += met

    def share(measured: int, met: int) -> float | None:
        return None if not measured else round(100 * met / measured, 1)

    columns = [_SERVICE, _PRIORITY, Column("resolved", "Resolved", "Incidents resolved in the period."),
               Column("response_met", "Response within target (%)", "Of those with a response target.", "percent"),
               Column("resolve_met", "Resolved within target (%)", "Of those with a resolve target.", "percent"),
               Column("target", "Target (%)", "Seed 001: 95 % of incidents per priority within target.", "percent")]
    rows = [[Cell(levels.Service(service).label), Cell(priority), Cell(n[0]), Cell(share(n[1], n[2])),
             Cell(share(n[3], n[4])), Cell(100 * levels.ATTAINMENT_TARGET)]
            for (service, priority), n in sorted(tally.items())]
    return ResultTable("targets", "Performance against each target", columns, rows)


def major_incidents(session: Session, facts: Facts) -> ResultTable:
    """P1 and P2 incidents received or resolved in the period, each in full."""
    chosen = _incidents(session, Incident.priority.in_(("P1", "P2")),
                        or_(_in(Incident.received_at, facts), _in(Incident.resolved_at, facts)))
    reported = set(session.scalars(select(MajorOutageReport.incident_id)
                                   .where(MajorOutageReport.incident_id.in_([i.id for i in chosen]))))
    columns = [Column("reference", "Reference", "The incident's reference.", "text"), _SERVICE, _PRIORITY,
               Column("title", "Title", "What went wrong.", "text"),
               Column("received", "Received", "When it was received (London time).", "text"),
               Column("resolved", "Resolved", "When the user was told it was resolved (London time).", "text"),
               Column("status", "Status", "Its status now.", "text"),
               Column("resolve_met", "Resolved within target", "Yes, no, or blank while it is open.", "text"),
               Column("external", "Cause with another party", "Not counted against availability when given.", "text"),
               Column("report", "Major outage report", "Whether the report is written (required for a P1).", "text")]
    rows = []
    for incident in chosen:
        met = _met(incident.resolve_due_at, incident.resolved_at)
        rows.append([Cell(incident.reference), Cell(levels.Service(incident.service).label), Cell(incident.priority),
                     Cell(incident.title), Cell(incident_clock.when(incident.received_at)),
                     Cell(incident_clock.when(incident.resolved_at) if incident.resolved_at else ""),
                     Cell(STATUS_NAMES.get(incident.status, incident.status)),
                     Cell("" if met is None else "Yes" if met else "No"), Cell(incident.external_cause),
                     Cell("Written" if incident.id in reported else "Not written")])
    return ResultTable("major-incidents", "P1 and P2 incidents", columns, rows)


def security_incidents(session: Session, facts: Facts) -> ResultTable:
    chosen = _incidents(session, Incident.security != "", _in(Incident.received_at, facts))
    columns = [Column("reference", "Reference", "The incident's reference.", "text"),
               Column("kind", "Kind", "A security incident or a personal data breach.", "text"), _SERVICE, _PRIORITY,
               Column("title", "Title", "What happened.", "text"),
               Column("received", "Received", "When it was received (London time).", "text"),
               Column("status", "Status", "Its status now.", "text")]
    rows = [[Cell(i.reference), Cell(SECURITY_KINDS.get(i.security, i.security)),
             Cell(levels.Service(i.service).label), Cell(i.priority), Cell(i.title),
             Cell(incident_clock.when(i.received_at)), Cell(STATUS_NAMES.get(i.status, i.status))] for i in chosen]
    return ResultTable("security", "Security incidents and breaches", columns, rows)


def key_dates(session: Session, facts: Facts) -> ResultTable:
    """Planned maintenance and the body's bank holidays in the period and the three months after it."""
    start = facts.period.start
    horizon = facts.period.end + dt.timedelta(days=92)
    entries: list[tuple[dt.date, str, str]] = []
    calendar = deadline_engine(session).calendars.calendar(body_nation(session))
    entries += [(day, "Bank holiday", name) for day, name in calendar.bank_holidays.items() if start <= day <= horizon]
    windows = session.scalars(select(Maintenance).where(
        Maintenance.cancelled_at.is_(None), Maintenance.ends_at >= facts.period.begins(),
        Maintenance.starts_at < dt.datetime.combine(horizon, dt.time(), tzinfo=dt.UTC)))
    for window in windows:
        service = levels.Service(window.service).label if window.service else "All services"
        entries.append((window.starts_at.astimezone(incident_clock.LONDON).date(), "Planned maintenance",
                        f"{window.title} ({service}): {incident_clock.when(window.starts_at)} to "
                        f"{incident_clock.when(window.ends_at)}"))
    columns = [Column("date", "Date", "The day (London).", "date"), Column("kind", "Kind", "What the date is.", "text"),
               Column("detail", "Detail", "Its name, or the maintenance and its times.", "text")]
    return ResultTable("calendar", "Calendar of key dates", columns,
                       [[Cell(day), Cell(kind), Cell(text)] for day, kind, text in sorted(entries)])


def build(session: Session, facts: Facts, context: Context) -> Sequence[TableSpec | ResultTable]:
    types = facts.types
    by_type = Grouping("type", "Type", Case.case_type_id, lambda v: types.names.get(v, "Unknown type"))
    closed_in = and_(Case.closed_at >= facts.period.begins(), Case.closed_at < facts.cutoff)
    capacity = TableSpec("capacity", "Capacity: cases received and closed", or_(facts.received(), closed_in),
                         [Measure("received", "Received", "Cases received in the period.", facts.received()),
                          Measure("closed", "Closed", "Cases closed in the period, whenever received.", closed_in)],
                         by_type, (Lead(Column("type", "Type", "The type of case.", "text"), by_type.label),),
                         order=list(types.names), total=True)
    return [terms_table(session), incident_analysis(session, facts), support_analysis(session, facts),
            availability_record(session, facts), target_performance(session, facts),
            twelve_month_attainment(session, facts),
            major_incidents(session, facts), security_incidents(session, facts), capacity,
            key_dates(session, facts)]


SERVICE_REPORT = register(Report(
    name="service-report",
    title="Service report",
    summary="Incidents by service and priority, service requests and problems, the availability record, "
            "performance against the service model's targets, P1 and P2 "
            "incidents, security incidents and breaches, capacity (cases received by type) and key dates.",
    build=build,
    default_period="month",
    group="Service",
    notes=(
        "Incidents are counted in the period they were received in; targets are judged on the incidents resolved "
        "in the period (a workaround counts), in elapsed service time under the model each was raised under.",
        "Probes of the services never make cases, so capacity counts only real requests.",
    ),
))

__all__ = ["SERVICE_REPORT"]
