"""Incidents in the API: raise one from another system (a monitoring tool, a service desk) and work it.

The same domain steps as the staff pages (:mod:`backoffice.incidents.incidents`), with the API client as
actor. A body is checked against its published schema first (422 with each field); its times are read by
:func:`backoffice.incidents.times.parse_instant`, which refuses a time without an offset, in the future or
before 2000 rather than guess; then the domain decides: a bad value is a 422, a step the incident's state
does not allow (pausing a paused incident, resolving a resolved or closed one) a 409, an unknown
reference a 404. Every answer is the whole incident, its two due times explained and its timeline, with
times in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from backoffice.api import idempotency
from backoffice.api.access import current_client
from backoffice.api.requests import actor_of, json_body, require_json
from backoffice.api.schemas import API_PREFIX
from backoffice.incidents import clock as clocks
from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Incident
from backoffice.incidents.service_levels import DEFINITIONS, SERVICE_NAMES, Priority, Service
from backoffice.incidents.times import parse_instant
from shared.settings import Settings
from shared.web import RequestContext


def incident_url(settings: Settings, reference: str) -> str:
    return settings.url(f"{API_PREFIX}/incidents/{reference}")


def _utc(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _target(target: clocks.TargetClock) -> dict[str, Any]:
    """The IncidentTarget object."""
    goal = target.target
    return {"target": {"amount": goal.amount, "unit": goal.unit} if goal is not None else None,
            "due_at": _utc(target.due_at), "stopped_at": _utc(target.stopped_at), "explanation": target.explanation}


def incident_json(ctx: RequestContext, incident: Incident) -> dict[str, Any]:
    """The Incident schema: the due times as the clocks compute them from the timeline now, with their words."""
    events = clocks.timeline(ctx.db, incident)
    computed = clocks.compute(ctx.db, incident, events)
    return {
        "reference": incident.reference,
        "service": incident.service,
        "service_name": SERVICE_NAMES[Service(incident.service)],
        "priority": incident.priority,
        "priority_definition": DEFINITIONS[Priority(incident.priority)],
        "title": incident.title,
        "affected": incident.affected,
        "status": incident.status,
        "service_model": incident.service_model,
        "received_at": _utc(incident.received_at),
        "clock_started_at": _utc(computed.started_at),
        "responded_at": _utc(incident.responded_at),
        "resolved_at": _utc(incident.resolved_at),
        "closed_at": _utc(incident.closed_at),
        "response_due_at": _utc(computed.response.due_at),
        "resolve_due_at": _utc(computed.resolve.due_at),
        "explanation": computed.explanation,
        "response": _target(computed.response),
        "resolve": _target(computed.resolve),
        "paused_seconds": int(computed.paused_time.total_seconds()),
        "security": incident.security or None,
        "external_cause": incident.external_cause,
        "raised_by": incident.raised_by,
        "timeline": [{"at": _utc(event.at), "kind": event.kind, "name": steps.EVENT_NAMES.get(event.kind, event.kind),
                      "text": event.text, "public": event.public, "status": event.status or None,
                      "actor": event.actor, "detail": dict(event.detail or {})} for event in events],
        "links": {"self": incident_url(ctx.settings, incident.reference)},
    }


def _answer(ctx: RequestContext, incident: Incident) -> Response:
    ctx.db.flush()
    return ctx.json(incident_json(ctx, incident))


def _at(values: dict[str, Any], field: str = "at") -> dt.datetime | None:
    """The body's time, or None for now; the schema has checked it is RFC 3339 (``t`` and ``z`` in any case)."""
    value = values.get(field)
    return None if value is None else parse_instant(str(value).upper(), field)


def _incident(ctx: RequestContext, schema: str) -> tuple[Incident, dict[str, Any]]:
    """The incident the path names (404 first, as for cases), then the body checked against ``schema``."""
    require_json(ctx, "the request")
    incident = steps.get_incident(ctx.db, str(ctx.request.path_params["reference"])[:40])
    return incident, json_body(ctx, schema)


def create_incident(ctx: RequestContext) -> Response:
    """Raise one; with an Idempotency-Key a retry (a monitoring tool that timed out) gets the first one back."""
    values = json_body(ctx, "IncidentCreate")
    key = ctx.request.headers.get(idempotency.HEADER)
    row = None
    if key is not None:
        row, earlier = idempotency.claim(ctx.db, current_client(ctx).id, idempotency.check_key(key), ctx.body_json,
                                         idempotency.INCIDENT)
        if earlier is not None:
            return ctx.json(incident_json(ctx, steps.get_incident(ctx.db, earlier)), status_code=200,
                            headers={"Location": incident_url(ctx.settings, earlier), "Idempotent-Replayed": "true"})
    incident = steps.raise_incident(ctx.db, actor_of(ctx), service=values["service"], priority=values["priority"],
                                    title=values["title"], affected=values.get("affected") or "",
                                    received_at=_at(values, "received_at"), security=values.get("security") or "")
    ctx.db.flush()
    if row is not None:
        row.reference = incident.reference
    return ctx.json(incident_json(ctx, incident), status_code=201,
                    headers={"Location": incident_url(ctx.settings, incident.reference)})


def show_incident(ctx: RequestContext) -> Response:
    incident = steps.get_incident(ctx.db, str(ctx.request.path_params["reference"])[:40])
    return ctx.json(incident_json(ctx, incident))


def respond(ctx: RequestContext) -> Response:
    incident, values = _incident(ctx, "IncidentRespond")
    steps.respond(ctx.db, actor_of(ctx), incident, at=_at(values))
    return _answer(ctx, incident)


def pause(ctx: RequestContext) -> Response:
    incident, values = _incident(ctx, "IncidentPause")
    steps.pause(ctx.db, actor_of(ctx), incident, reason=values.get("reason") or "", at=_at(values))
    return _answer(ctx, incident)


def resume(ctx: RequestContext) -> Response:
    incident, values = _incident(ctx, "IncidentResume")
    steps.resume(ctx.db, actor_of(ctx), incident, at=_at(values))
    return _answer(ctx, incident)


def resolve(ctx: RequestContext) -> Response:
    incident, values = _incident(ctx, "IncidentResolve")
    steps.resolve(ctx.db, actor_of(ctx), incident, text=values.get("text") or "",
                  workaround=bool(values.get("workaround")), at=_at(values))
    return _answer(ctx, incident)


def reprioritise(ctx: RequestContext) -> Response:
    incident, values = _incident(ctx, "IncidentReprioritise")
    steps.reprioritise(ctx.db, actor_of(ctx), incident, priority=values["priority"], reason=values["reason"],
                       at=_at(values))
    return _answer(ctx, incident)
