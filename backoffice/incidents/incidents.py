"""Raising and working an incident: every step is a timeline event at the time given, in time order, and
every step that moves a due time records the move and its cause.

Steps take the Session first, never commit, and raise domain errors (``InvalidInput`` for a bad value,
``Conflict`` for a step the incident's state does not allow). P1 and P2 incidents tell the body's
major-incident contacts on raising and on every public update, through the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.incidents import clock as clocks
from backoffice.incidents import service_levels as levels
from backoffice.incidents.models import Incident, IncidentEvent, MajorOutageReport
from backoffice.incidents.service_levels import Priority, Service
from backoffice.incidents.times import SKEW
from backoffice.organisation.contacts import contacts
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mail.outbox import send_email

INVESTIGATING = "investigating"
IDENTIFIED = "identified"
AWAITING_CUSTOMER = "awaiting_customer"
MONITORING = "monitoring"
RESOLVED = "resolved"
CLOSED = "closed"
STATUS_NAMES = {INVESTIGATING: "Investigating", IDENTIFIED: "Identified", AWAITING_CUSTOMER: "Awaiting customer",
                MONITORING: "Monitoring", RESOLVED: "Resolved", CLOSED: "Closed"}
#: The statuses an update may set; the others have their own steps (pause, resolve, close).
WORKING = (INVESTIGATING, IDENTIFIED, MONITORING)
#: What the service report lists apart as security incidents and breaches.
SECURITY_KINDS = {"security_incident": "Security incident", "personal_data_breach": "Personal data breach"}
TITLE_LIMIT = 200
TEXT_LIMIT = 5000

RAISED = "raised"
UPDATE = "update"
REPRIORITISED = "reprioritised"
CLOSED_EVENT = "closed"
DEADLINE_MOVED = "deadline_moved"
REPORT = "report"
EXTERNAL = "external_cause"
PROBE_RECOVERED = "probe_recovered"
EVENT_NAMES = {RAISED: "Raised", UPDATE: "Update", clocks.RESPONDED: "Responded", clocks.PAUSED: "Awaiting customer",
               clocks.RESUMED: "Customer responded", clocks.RESOLVED: "Resolved", REPRIORITISED: "Reprioritised",
               CLOSED_EVENT: "Closed", DEADLINE_MOVED: "Due time moved", REPORT: "Major outage report",
               EXTERNAL: "Cause with another party", PROBE_RECOVERED: "Probe sees the service working"}


def _text(value: object, field: str, label: str, limit: int = TEXT_LIMIT, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInput(f"Enter {label}", {field: f"Enter {label}"})
    if len(text) > limit:
        raise InvalidInput(f"{label.capitalize()} is too long",
                           {field: f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"})
    return text


def get_incident(session: Session, reference: str) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.reference == reference.strip().upper()))
    if incident is None:
        raise NotFound(f"No incident has the reference {reference[:40]}")
    return incident


def open_probe_incident(session: Session, service: Service) -> Incident | None:
    """The incident a probe raised for this service and nobody has resolved yet: a probe raises one only."""
    return session.scalar(select(Incident).where(Incident.probe == service.value, Incident.resolved_at.is_(None),
                                                 Incident.closed_at.is_(None)).order_by(Incident.id).limit(1))


def raise_incident(session: Session, actor: audit.Actor, *, service: object, priority: object, title: object,
                   affected: object = "", received_at: dt.datetime | None = None, probe: str = "",
                   evidence: str = "", security: object = "") -> Incident:
    chosen = levels.parse_service(service)
    if security not in ("", None, *SECURITY_KINDS):
        raise InvalidInput("Select whether it is a security incident", {"security": "Select one of the choices"})
    level = levels.parse_priority(priority)
    heading = _text(title, "title", "a title", TITLE_LIMIT)
    what = _text(affected, "affected", "what is affected", required=False)
    now = utcnow().replace(microsecond=0)
    received = (received_at or now).astimezone(dt.UTC).replace(microsecond=0)
    if received > now + SKEW:
        raise InvalidInput("The time received cannot be in the future", {"received_at": "Enter a time in the past"})
    incident = Incident(reference=f"NEW-{secrets.token_hex(6)}", service=chosen.value, priority=level.value,
                        title=heading, affected=what, status=INVESTIGATING,
                        service_model=levels.service_model(session).value, received_at=received,
                        raised_by=actor.label, probe=probe, security=str(security or ""))
    session.add(incident)
    session.flush()
    incident.reference = f"INC-{incident.id:05d}"
    text = f"{level.value} raised for {chosen.label}: {heading}"
    _event(session, incident, RAISED, received, actor, text=evidence or what, status=INVESTIGATING,
           detail={"priority": level.value, "service": chosen.value})
    _recompute(session, incident, cause="raised")
    audit.record(session, actor, "incident.raised", "incident", incident.reference, text)
    if level.major:
        _tell_contacts(session, incident, f"{level.value} incident raised: {heading}",
                       f"{what}\n\n{clocks.compute(session, incident).explanation}".strip())
    return incident


def _event(session: Session, incident: Incident, kind: str, at: dt.datetime, actor: audit.Actor, *, text: str = "",
           public: bool = False, status: str = "", detail: dict[str, Any] | None = None) -> IncidentEvent:
    event = IncidentEvent(incident_id=incident.id, kind=kind, at=at, actor=actor.label, text=text, public=public,
                          status=status, detail=detail or {})
    session.add(event)
    if status:
        incident.status = status
    session.flush()
    return event


def _last_at(session: Session, incident: Incident) -> dt.datetime:
    latest = session.scalar(select(IncidentEvent.at).where(IncidentEvent.incident_id == incident.id)
                            .order_by(IncidentEvent.at.desc()).limit(1))
    return latest or incident.received_at


def _when(session: Session, incident: Incident, at: dt.datetime | None, field: str = "at") -> dt.datetime:
    """The step's time: now when not given; never before the timeline's last step, nor in the future."""
    now = utcnow().replace(microsecond=0)
    moment = (at or now).astimezone(dt.UTC).replace(microsecond=0)
    if moment > now + SKEW:
        raise InvalidInput("The time cannot be in the future", {field: "Enter a time now or in the past"})
    last = _last_at(session, incident)
    if moment < last:
        raise InvalidInput("The time is before the incident's last step", {
            field: f"Enter a time on or after {clocks.when(last)}, the incident's last step"})
    return moment


def _require_open(incident: Incident, doing: str) -> None:
    if incident.closed_at is not None:
        raise Conflict(f"{incident.reference} is closed: it cannot be {doing}")


def _require_unresolved(incident: Incident, doing: str) -> None:
    _require_open(incident, doing)
    if incident.resolved_at is not None:
        raise Conflict(f"{incident.reference} is resolved: it cannot be {doing}")


def _recompute(session: Session, incident: Incident, cause: str) -> clocks.IncidentClocks:
    """Store the due times the timeline gives now, and record each that moved, with why."""
    computed = clocks.compute(session, incident)
    for name, target in (("response", computed.response), ("resolve", computed.resolve)):
        column = f"{name}_due_at"
        before = getattr(incident, column)
        if before != target.due_at:
            setattr(incident, column, target.due_at)
            if cause != "raised":
                session.add(IncidentEvent(
                    incident_id=incident.id, kind=DEADLINE_MOVED, at=_last_at(session, incident), actor="",
                    text=f"The {name} due time moved from {_due_words(before)} to {_due_words(target.due_at)}: {cause}",
                    detail={"target": name, "from": _iso(before), "to": _iso(target.due_at), "cause": cause}))
    session.flush()
    return computed


def _due_words(value: dt.datetime | None) -> str:
    return clocks.when(value) if value else "none (paused)"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def recompute_open(session: Session, cause: str) -> int:
    """After the calendar changes (an administrator's bank holiday): every unresolved incident's due times."""
    moved = 0
    for incident in list(session.scalars(select(Incident).where(Incident.resolved_at.is_(None)))):
        before = (incident.response_due_at, incident.resolve_due_at)
        _recompute(session, incident, cause)
        moved += before != (incident.response_due_at, incident.resolve_due_at)
    return moved


def post_update(session: Session, actor: audit.Actor, incident: Incident, *, text: object, public: bool,
                status: str | None = None, at: dt.datetime | None = None) -> IncidentEvent:
    """A note on the timeline, public (the status page, and the contacts of a major incident) or internal.
    The first public update is the response, if none was recorded."""
    _require_open(incident, "updated")
    body = _text(text, "text", "the update")
    new_status = ""
    if status:
        if status not in WORKING:
            raise InvalidInput("Select a status", {"status": "Select investigating, identified or monitoring"})
        if incident.resolved_at is not None or incident.status == AWAITING_CUSTOMER:
            raise Conflict(f"{incident.reference} is {STATUS_NAMES[incident.status].lower()}: "
                           "resume or reopen it before changing its status")
        new_status = status
    moment = _when(session, incident, at)
    event = _event(session, incident, UPDATE, moment, actor, text=body, public=public, status=new_status)
    audit.record(session, actor, "incident.updated", "incident", incident.reference,
                 ("Public" if public else "Internal") + " update" + (f", status {new_status}" if new_status else ""))
    if public and incident.responded_at is None:
        _respond(session, actor, incident, moment, "The first public update")
    if public and Priority(incident.priority).major:
        _tell_contacts(session, incident, f"{incident.priority} incident update: {incident.title}",
                       f"Status: {STATUS_NAMES[incident.status]}\n\n{body}")
    return event


def respond(session: Session, actor: audit.Actor, incident: Incident, at: dt.datetime | None = None) -> Incident:
    _require_open(incident, "responded to")
    if incident.responded_at is not None:
        raise Conflict(f"{incident.reference} was responded to at {clocks.when(incident.responded_at)}")
    _respond(session, actor, incident, _when(session, incident, at), "Response recorded")
    return incident


def _respond(session: Session, actor: audit.Actor, incident: Incident, moment: dt.datetime, why: str) -> None:
    incident.responded_at = moment
    _event(session, incident, clocks.RESPONDED, moment, actor, text=why)
    _recompute(session, incident, "responded")
    audit.record(session, actor, "incident.responded", "incident", incident.reference, why)


def pause(session: Session, actor: audit.Actor, incident: Incident, *, reason: object = "",
          at: dt.datetime | None = None) -> Incident:
    """Awaiting the customer: the resolve clock stops in service time; the response clock does not."""
    _require_unresolved(incident, "paused")
    if incident.status == AWAITING_CUSTOMER:
        raise Conflict(f"{incident.reference} is already awaiting the customer")
    text = _text(reason, "reason", "what you are waiting for", required=False)
    moment = _when(session, incident, at)
    _event(session, incident, clocks.PAUSED, moment, actor, text=text, status=AWAITING_CUSTOMER,
           detail={"resume_status": incident.status})
    _recompute(session, incident, "awaiting the customer")
    audit.record(session, actor, "incident.paused", "incident", incident.reference, text)
    return incident


def resume(session: Session, actor: audit.Actor, incident: Incident, *, at: dt.datetime | None = None) -> Incident:
    _require_unresolved(incident, "resumed")
    if incident.status != AWAITING_CUSTOMER:
        raise Conflict(f"{incident.reference} is not awaiting the customer")
    paused = session.scalar(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                        IncidentEvent.kind == clocks.PAUSED)
                            .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc()).limit(1))
    back_to = (paused.detail or {}).get("resume_status", INVESTIGATING) if paused else INVESTIGATING
    moment = _when(session, incident, at)
    _event(session, incident, clocks.RESUMED, moment, actor, status=back_to if back_to in WORKING else INVESTIGATING)
    _recompute(session, incident, "the customer responded")
    audit.record(session, actor, "incident.resumed", "incident", incident.reference, "The customer responded")
    return incident


def resolve(session: Session, actor: audit.Actor, incident: Incident, *, text: object = "", workaround: bool = False,
            at: dt.datetime | None = None) -> Incident:
    """The user is told it is resolved (a workaround counts): the resolve clock stops."""
    _require_unresolved(incident, "resolved")
    body = _text(text, "text", "what was done", required=False)
    moment = _when(session, incident, at)
    incident.resolved_at = moment
    if incident.responded_at is None:  # telling the user it is resolved is a response
        _respond(session, actor, incident, moment, "Resolved before a response was recorded")
    _event(session, incident, clocks.RESOLVED, moment, actor, text=body, public=True, status=RESOLVED,
           detail={"workaround": workaround})
    _recompute(session, incident, "resolved")
    audit.record(session, actor, "incident.resolved", "incident", incident.reference,
                 "Resolved with a workaround" if workaround else "Resolved")
    if Priority(incident.priority).major:
        _tell_contacts(session, incident, f"{incident.priority} incident resolved: {incident.title}",
                       body or "The incident is resolved.")
    return incident


def reprioritise(session: Session, actor: audit.Actor, incident: Incident, *, priority: object, reason: object,
                 at: dt.datetime | None = None) -> Incident:
    """The new priority's targets run from the original start, with the time paused kept."""
    _require_open(incident, "reprioritised")
    level = levels.parse_priority(priority)
    why = _text(reason, "reason", "the reason for the change")
    if level.value == incident.priority:
        raise InvalidInput("Select a different priority", {"priority": f"The incident is already {level.value}"})
    before = incident.priority
    moment = _when(session, incident, at)
    incident.priority = level.value
    _event(session, incident, REPRIORITISED, moment, actor, text=why, detail={"from": before, "to": level.value})
    _recompute(session, incident, f"reprioritised from {before} to {level.value}")
    audit.record(session, actor, "incident.reprioritised", "incident", incident.reference,
                 f"{before} to {level.value}: {why}")
    if level.major and not Priority(before).major:
        _tell_contacts(session, incident, f"Incident raised to {level.value}: {incident.title}", why)
    return incident


def mark_external(session: Session, actor: audit.Actor, incident: Incident, *, party: object) -> Incident:
    """The cause lies with another party: the incident stays, but is not counted against availability."""
    _require_open(incident, "changed")
    who = _text(party, "party", "who the cause lies with", 500)
    incident.external_cause = who
    _event(session, incident, EXTERNAL, _when(session, incident, None), actor, text=who)
    audit.record(session, actor, "incident.external_cause", "incident", incident.reference, who)
    return incident


REPORT_FIELDS = {"timeline": "the timeline", "impact": "the impact", "cause": "the cause",
                 "actions": "what was done", "changes": "what will change"}


def write_report(session: Session, actor: audit.Actor, incident: Incident, values: dict[str, object]) -> MajorOutageReport:
    _require_open(incident, "reported on")
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for field, label in REPORT_FIELDS.items():
        try:
            cleaned[field] = _text(values.get(field), field, label, 20000)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput("Complete the major outage report", errors)
    report = session.scalar(select(MajorOutageReport).where(MajorOutageReport.incident_id == incident.id))
    if report is None:
        report = MajorOutageReport(incident_id=incident.id, written_by=actor.label, **cleaned)
        session.add(report)
    else:
        for field, text in cleaned.items():
            setattr(report, field, text)
        report.written_by, report.written_at = actor.label, utcnow()
    _event(session, incident, REPORT, _when(session, incident, None), actor, text="Major outage report written")
    audit.record(session, actor, "incident.report_written", "incident", incident.reference, "Major outage report")
    return report


def report_of(session: Session, incident: Incident) -> MajorOutageReport | None:
    return session.scalar(select(MajorOutageReport).where(MajorOutageReport.incident_id == incident.id))


def close(session: Session, actor: audit.Actor, incident: Incident, at: dt.datetime | None = None) -> Incident:
    _require_open(incident, "closed again")
    if incident.resolved_at is None:
        raise Conflict(f"{incident.reference} is not resolved: resolve it before closing it")
    if incident.priority == Priority.P1.value and report_of(session, incident) is None:
        raise Conflict(f"{incident.reference} is a P1: write its major outage report before closing it")
    moment = _when(session, incident, at)
    incident.closed_at = moment
    _event(session, incident, CLOSED_EVENT, moment, actor, status=CLOSED)
    audit.record(session, actor, "incident.closed", "incident", incident.reference, "Closed")
    return incident


def note_probe_recovery(session: Session, actor: audit.Actor, incident: Incident, evidence: str) -> None:
    """The probe sees the service pass again: noted for a person to confirm, never resolved by itself."""
    if incident.probe_recovered_at is not None or incident.resolved_at is not None:
        return
    incident.probe_recovered_at = utcnow()
    _event(session, incident, PROBE_RECOVERED, _when(session, incident, None), actor, text=evidence)


def _tell_contacts(session: Session, incident: Incident, subject: str, body: str) -> None:
    recipients = contacts(session).lists["major_incident_contacts"]
    text = (f"{incident.reference}: {incident.title}\nService: {Service(incident.service).label}\n"
            f"Priority: {incident.priority}\n\n{body}\n")
    for address in recipients:
        send_email(session, address, f"{incident.reference} {subject}", text, related_type="incident",
                   related_id=incident.reference)
