"""Planned maintenance: what is coming (with a way to cancel it) and scheduling more, with six hours' notice."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.incidents import maintenance
from backoffice.incidents.clock import when
from backoffice.incidents.service_levels import Service
from backoffice.incidents.web.common import TimeAnswer, actor_of, flash, form_values, pop_flash, typed_time
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

PAGE = "backoffice/incidents/maintenance.html"
ORDER = ("service", "title", "starts", "ends", "cancel")
#: The domain's field names, as the form's.
FIELDS = {"starts_at": "starts", "ends_at": "ends"}


def _page(ctx: RequestContext, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          parts: dict[str, str] | None = None, status: int | None = None) -> Response:
    parts = parts or {}
    rows = [{"row": row, "service": Service(row.service).label if row.service else "All services",
             "starts": when(row.starts_at), "ends": when(row.ends_at),
             "action": ctx.path_for("incident-maintenance-cancel", maintenance_id=row.id)}
            for row in maintenance.upcoming_maintenance(ctx.db, None, utcnow())]
    return render_form(ctx, PAGE, {
        "rows": rows, "values": values or {}, "services": list(Service), "all": maintenance.ALL,
        "notice_hours": int(maintenance.NOTICE.total_seconds() // 3600),
        "flash": pop_flash(ctx) if ctx.is_read else None,
    }, errors, ORDER, anchors={"cancel": "upcoming", **{name: f"{name}-{parts.get(name, 'day')}" for name in ("starts", "ends")}},
        status=status)


def page(ctx: RequestContext) -> Response:
    """GET lists what is planned; POST schedules more."""
    if ctx.is_read:
        return _page(ctx)
    if repeated(ctx):
        return ctx.redirect("incident-maintenance")
    values = form_values(ctx)
    answers: dict[str, TimeAnswer] = {
        name: typed_time(values, name, label, required=True, parse=maintenance.planned_time)
        for name, label in (("starts", "the start"), ("ends", "the end"))}
    errors = {name: answer.error for name, answer in answers.items() if answer.error}
    parts = {name: answer.part for name, answer in answers.items()}
    starts, ends = answers["starts"].value, answers["ends"].value
    if errors or starts is None or ends is None:
        return _page(ctx, values, errors, parts)
    try:
        with ctx.attempt():
            maintenance.schedule_maintenance(ctx.db, actor_of(ctx), service=values.get("service", ""),
                                             title=values.get("title", ""), starts_at=starts, ends_at=ends)
    except InvalidInput as exc:
        return _page(ctx, values, {FIELDS.get(k, k): v for k, v in exc.errors.items()} or {"title": exc.detail})
    flash(ctx, "Maintenance scheduled")
    return ctx.redirect("incident-maintenance")


def cancel(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return ctx.redirect("incident-maintenance")
    maintenance_id = ctx.request.path_params["maintenance_id"]
    try:
        with ctx.attempt():
            row = maintenance.cancel_maintenance(ctx.db, actor_of(ctx), maintenance_id)
    except Conflict as exc:
        return _page(ctx, errors={"cancel": exc.detail}, status=409)
    flash(ctx, f"“{row.title}” cancelled")
    return ctx.redirect("incident-maintenance")
