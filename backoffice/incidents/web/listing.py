"""The incidents list (open first, by priority, then those closed lately) and raising an incident."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from backoffice.incidents import incidents as steps
from backoffice.incidents.clock import when
from backoffice.incidents.models import Incident
from backoffice.incidents.service_levels import Priority, Service, parse_priority, parse_service
from backoffice.incidents.web.common import actor_of, flash, form_values, now_values, typed_time
from shared.db import utcnow
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

LIST = "backoffice/incidents/list.html"
NEW = "backoffice/incidents/new.html"
#: Closed incidents stay on the list this long, so a closure just made can still be found there.
RECENT = dt.timedelta(days=30)
RECENT_LIMIT = 25
NEW_ORDER = ("service", "priority", "title", "affected", "security", "received")


def row(ctx: RequestContext, incident: Incident) -> dict[str, Any]:
    return {"incident": incident, "href": ctx.path_for("incident", reference=incident.reference),
            "service": Service(incident.service).label, "status": steps.STATUS_NAMES[incident.status],
            "response_due": when(incident.response_due_at) if incident.response_due_at else "",
            "resolve_due": when(incident.resolve_due_at) if incident.resolve_due_at else "",
            "closed": when(incident.closed_at) if incident.closed_at else ""}


def index(ctx: RequestContext) -> Response:
    chosen = ctx.request.query_params.get("service", "")[:40]
    errors: dict[str, str] = {}
    service: Service | None = None
    if chosen:
        try:
            service = parse_service(chosen)
        except InvalidInput:
            errors["service"] = "Select a service from the list"
    where = [Incident.service == service.value] if service else []
    open_ = ctx.db.scalars(select(Incident).where(Incident.closed_at.is_(None), *where)
                           .order_by(Incident.priority, Incident.received_at, Incident.id))
    closed = ctx.db.scalars(select(Incident).where(Incident.closed_at >= utcnow() - RECENT, *where)
                            .order_by(Incident.closed_at.desc(), Incident.id.desc()).limit(RECENT_LIMIT))
    return render_form(ctx, LIST, {
        "open": [row(ctx, i) for i in open_], "closed": [row(ctx, i) for i in closed], "services": list(Service),
        "service": service.value if service else "", "recent_days": RECENT.days,
    }, errors, ("service",))


def _show_new(ctx: RequestContext, values: dict[str, Any], errors: dict[str, str] | None = None,
              part: str = "day") -> Response:
    return render_form(ctx, NEW, {"values": values, "services": list(Service), "priorities": list(Priority),
                                  "security_kinds": steps.SECURITY_KINDS},
                       errors, NEW_ORDER, anchors={"service": "service", "priority": "priority",
                                                   "received": f"received-{part}"})


def new(ctx: RequestContext) -> Response:
    """Raise an incident: every mistake at once where it can be, and nothing stored until all is right."""
    if ctx.is_read:
        return _show_new(ctx, now_values("received"))
    if repeated(ctx):
        return ctx.redirect("incidents")
    values = form_values(ctx)
    errors: dict[str, str] = {}
    for field, check in (("service", parse_service), ("priority", parse_priority)):
        try:
            check(values.get(field, ""))
        except InvalidInput as exc:
            errors.update(exc.errors or {field: exc.detail})
    received = typed_time(values, "received", "the time received", required=True)
    if received.error:
        errors["received"] = received.error
    if errors:
        return _show_new(ctx, values, errors, received.part)
    try:
        with ctx.attempt():
            incident = steps.raise_incident(ctx.db, actor_of(ctx), service=values.get("service"),
                                            priority=values.get("priority"), title=values.get("title", ""),
                                            affected=values.get("affected", ""), received_at=received.value,
                                            security=values.get("security", ""))
    except InvalidInput as exc:
        found = {("received" if k == "received_at" else k): v for k, v in exc.errors.items()}
        return _show_new(ctx, values, found or {"title": exc.detail})
    flash(ctx, f"{incident.reference} raised")
    return ctx.redirect("incident", reference=incident.reference)
