"""Service performance for managers: each service's availability this month and last, and the 12-month
target attainment per service and priority, each count a link to the incidents behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from backoffice.incidents import attainment as measures
from backoffice.incidents import clock
from backoffice.incidents.availability import availability, month_start
from backoffice.incidents.service_levels import (
    ATTAINMENT_TARGET,
    AVAILABILITY_TARGET,
    Service,
    parse_priority,
    parse_service,
)
from shared.db import utcnow
from shared.errors import NotFound
from shared.web import RequestContext

MISSED = {"": "", "response": measures.RESPONSE, "resolve": measures.RESOLVE}


def _minutes(value: dt.timedelta) -> str:
    minutes = value.total_seconds() / 60
    return f"{minutes:,.1f}"


def page(ctx: RequestContext) -> Response:
    now = utcnow()
    this_month = month_start(now)
    last_month = month_start(this_month - dt.timedelta(days=1))
    rows: list[dict[str, Any]] = []
    for service in Service:
        current = availability(ctx.db, service, this_month, now, now)
        previous = availability(ctx.db, service, last_month, this_month, now)
        rows.append({"service": service.label, "current": current, "previous": previous,
                     "downtime": _minutes(current.downtime), "budget_left": _minutes(current.budget_left)})
    scores = []
    for row in measures.attainment(ctx.db, now):
        base = {"service": row.service, "priority": row.priority}
        scores.append({"row": row, "service": Service(row.service).label,
                       "all": _href(ctx, base, ""), "response": _href(ctx, base, "response"),
                       "resolve": _href(ctx, base, "resolve")})
    return ctx.render("backoffice/incidents/performance.html", {
        "rows": rows, "scores": scores, "availability_target": AVAILABILITY_TARGET,
        "attainment_target": ATTAINMENT_TARGET, "this_month": this_month, "last_month": last_month})


def _href(ctx: RequestContext, base: dict[str, str], missed: str) -> str:
    return ctx.path_for("incident-performance-incidents") + "?" + urlencode({**base, **({"missed": missed} if missed else {})})


def incidents(ctx: RequestContext) -> Response:
    """The incidents a figure counts: all resolved in the 12 months, or those that missed one target."""
    query = ctx.request.query_params
    service = parse_service(query.get("service", "")[:40])
    priority = parse_priority(query.get("priority", "")[:5])
    missed = query.get("missed", "")[:20]
    if missed not in MISSED:
        raise NotFound("No such figure")
    found = measures.incidents_behind(ctx.db, service, priority, utcnow(), MISSED[missed] or None)
    heading = (f"{priority.value} incidents on {service.label} resolved in the last 12 months"
               + {"": "", "response": ": response target missed", "resolve": ": resolve target missed"}[missed])
    return ctx.render("backoffice/incidents/performance_incidents.html", {
        "heading": heading, "found": found, "when": clock.when})
