"""An incident's page (its clocks explained, its timeline) and the steps taken on it, each a form of its own.

Every step posts to its own route and then returns to the page. A refusal (a bad value, or a step the
incident's state does not allow: closing a P1 that has no major outage report) is the page again with a
GOV.UK error summary pointing at the form it came from, with what was typed kept; nothing of the step is
stored (``ctx.attempt`` and the 4xx status undo it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from backoffice.incidents import clock as clocks
from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Incident
from backoffice.incidents.service_levels import Priority, Service, ServiceModel
from backoffice.incidents.web.common import actor_of, flash, form_values, pop_flash, typed_time
from shared.errors import Conflict, DomainError, InvalidInput, NotFound
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

PAGE = "backoffice/incidents/incident.html"
REPORT = "backoffice/incidents/report.html"
VISIBILITY = ("public", "internal")

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    """One form on the page: what it does (returning the success message) and whether it takes a time."""

    name: str
    act: Callable[[RequestContext, Incident, Values, dt.datetime | None], str]
    timed: bool = True


def _update(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    visibility = values.get("visibility", "")
    if visibility not in VISIBILITY:
        raise InvalidInput("Select who can see the update", {"visibility": "Select public or internal"})
    steps.post_update(ctx.db, actor_of(ctx), incident, text=values.get("text", ""), public=visibility == "public",
                      status=values.get("status") or None, at=at)
    return "Public update posted" if visibility == "public" else "Internal update posted"


def _respond(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.respond(ctx.db, actor_of(ctx), incident, at)
    return "Response recorded"


def _pause(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.pause(ctx.db, actor_of(ctx), incident, reason=values.get("reason", ""), at=at)
    return "Awaiting the customer: the resolve clock is paused"


def _resume(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.resume(ctx.db, actor_of(ctx), incident, at=at)
    return "The customer responded: the resolve clock runs again"


def _resolve(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.resolve(ctx.db, actor_of(ctx), incident, text=values.get("text", ""),
                  workaround=values.get("workaround") == "yes", at=at)
    return "Resolved"


def _reprioritise(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.reprioritise(ctx.db, actor_of(ctx), incident, priority=values.get("priority", ""),
                       reason=values.get("reason", ""), at=at)
    return f"Now {incident.priority}"


def _external(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.mark_external(ctx.db, actor_of(ctx), incident, party=values.get("party", ""))
    return "Marked as caused by another party: it does not count against availability"


def _close(ctx: RequestContext, incident: Incident, values: Values, at: dt.datetime | None) -> str:
    steps.close(ctx.db, actor_of(ctx), incident, at)
    return "Closed"


STEPS = {step.name: step for step in (
    Step("update", _update), Step("respond", _respond), Step("pause", _pause), Step("resume", _resume),
    Step("resolve", _resolve), Step("reprioritise", _reprioritise), Step("external", _external, timed=False),
    Step("close", _close))}


def _incident(ctx: RequestContext) -> Incident:
    return steps.get_incident(ctx.db, str(ctx.request.path_params["reference"])[:40])


def _page(ctx: RequestContext, incident: Incident, *, active: str = "", typed: Values | None = None,
          errors: dict[str, str] | None = None, part: str = "day", status: int | None = None) -> Response:
    events = clocks.timeline(ctx.db, incident)
    computed = clocks.compute(ctx.db, incident, events)
    resolved, closed = incident.resolved_at is not None, incident.closed_at is not None
    awaiting = incident.status == steps.AWAITING_CUSTOMER
    offered = {
        "update": not closed, "respond": not closed and incident.responded_at is None,
        "pause": not resolved and not closed and not awaiting, "resume": not resolved and not closed and awaiting,
        "resolve": not resolved and not closed, "reprioritise": not closed, "external": not closed,
        "close": resolved and not closed,
    }
    report = steps.report_of(ctx.db, incident)
    return render_form(ctx, PAGE, {
        "incident": incident, "service": Service(incident.service).label,
        "priority": Priority(incident.priority), "status": steps.STATUS_NAMES[incident.status],
        "model": ServiceModel(incident.service_model), "clocks": computed, "when": clocks.when,
        "events": [(event, steps.EVENT_NAMES.get(event.kind, event.kind)) for event in events],
        "offered": offered, "awaiting": awaiting, "status_names": steps.STATUS_NAMES, "report": report, "needs_report": incident.priority == Priority.P1.value,
        "statuses": [(key, steps.STATUS_NAMES[key]) for key in steps.WORKING], "priorities": list(Priority),
        "active": active, "typed": typed or {}, "flash": pop_flash(ctx) if ctx.is_read else None,
    }, errors, anchors={f"{active}-at": f"{active}-at-{part}"}, status=status)


def show(ctx: RequestContext) -> Response:
    return _page(ctx, _incident(ctx))


def step_handler(name: str) -> Callable[[RequestContext], Response]:
    step = STEPS[name]

    def handle(ctx: RequestContext) -> Response:
        incident = _incident(ctx)
        if repeated(ctx):
            return ctx.redirect("incident", reference=incident.reference)
        values = form_values(ctx)
        at = typed_time(values, "at", "the time", required=False) if step.timed else None
        if at is not None and at.error:
            return _page(ctx, incident, active=name, typed=values, errors={f"{name}-at": at.error}, part=at.part)
        try:
            with ctx.attempt():
                message = step.act(ctx, incident, values, at.value if at else None)
        except InvalidInput as exc:
            errors = {f"{name}-{field}": text for field, text in exc.errors.items()} or {name: exc.detail}
            return _page(ctx, _incident(ctx), active=name, typed=values, errors=errors)
        except Conflict as exc:
            return _page(ctx, _incident(ctx), active=name, typed=values, errors={name: exc.detail}, status=409)
        flash(ctx, message)
        return ctx.redirect("incident", reference=incident.reference)

    handle.__name__ = f"incident_{name}"
    handle.__doc__ = f"The {name} step on an incident's page."
    return handle


def report(ctx: RequestContext) -> Response:
    """The major outage report a P1 must have before it closes: five parts, all required, kept with it."""
    incident = _incident(ctx)
    existing = steps.report_of(ctx.db, incident)
    if incident.priority != Priority.P1.value and existing is None:
        raise NotFound(f"{incident.reference} is not a P1: it has no major outage report")
    fields = list(steps.REPORT_FIELDS)
    if ctx.is_read:
        values = {field: getattr(existing, field) for field in fields} if existing else {}
        return render_form(ctx, REPORT, {"incident": incident, "values": values, "fields": steps.REPORT_FIELDS,
                                         "existing": existing})
    if repeated(ctx):
        return ctx.redirect("incident", reference=incident.reference)
    values = form_values(ctx)
    try:
        with ctx.attempt():
            steps.write_report(ctx.db, actor_of(ctx), incident, {field: values.get(field, "") for field in fields})
    except DomainError as exc:
        return render_form(ctx, REPORT, {"incident": _incident(ctx), "values": values,
                                         "fields": steps.REPORT_FIELDS, "existing": existing},
                           exc.errors or {"timeline": exc.detail}, fields,
                           status=409 if isinstance(exc, Conflict) else None)
    flash(ctx, "Major outage report saved")
    return ctx.redirect("incident", reference=incident.reference)
