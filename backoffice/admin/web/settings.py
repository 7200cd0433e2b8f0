"""The organisation's settings (nation, allowed staff email domains) and its bank holiday adjustments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.admin import holidays
from backoffice.admin.web.common import field_errors, path_int
from backoffice.clocks import CalendarSet, Nation
from backoffice.incidents import service_levels
from backoffice.intake.new_cases import today_in_london
from backoffice.organisation import bank_holidays
from backoffice.organisation import body as organisation
from shared.errors import DomainError
from shared.web import RequestContext
from shared.web.forms import DATE_PARTS, date_items, date_parts, parse_date, render_form, repeated

ORGANISATION_ORDER = ("nation", "service_model", "domains")
#: The service models (seed 001), each with the hours its incident clocks count.
MODELS = [(model, f"Service hours {terms.opens:%H:%M} to {terms.closes:%H:%M}, Monday to Friday"
                  + ("; response targets only" if not terms.resolve else "; response and resolve targets"))
          for model, terms in service_levels.TERMS.items()]
#: The date input's field (its boxes are ``day-day``, ``day-month``, ``day-year``).
DATE = "day"
HOLIDAY_ORDER = ("kind", "name", DATE, "nation")
#: The days the deadline calendars cover: an adjustment outside them would change no deadline.
FIRST_DAY = dt.date(CalendarSet.DEFAULT_FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(CalendarSet.DEFAULT_LAST_YEAR, 12, 31)


def organisation_page(ctx: RequestContext) -> Response:
    template = "backoffice/admin/organisation.html"
    current = organisation.get_organisation(ctx.db)
    if ctx.is_read:
        values = {"nation": current.nation, "domains": "\n".join(current.allowed_staff_domains or []),
                  "service_model": service_levels.service_model(ctx.db).value}
        return render_form(ctx, template, {"values": values, "saved": ctx.request.query_params.get("saved") == "yes",
                                           "models": MODELS})
    values = {name: ctx.field(name) for name in ORGANISATION_ORDER}
    if repeated(ctx):
        return ctx.redirect("admin-organisation")
    assert ctx.actor is not None
    errors: dict[str, str] = {}
    try:
        organisation.set_nation(ctx.db, ctx.actor, values["nation"])
    except DomainError as exc:
        errors.update(field_errors(exc, "nation"))
    try:
        if values["service_model"] != service_levels.service_model(ctx.db).value:  # audited only when it changes
            service_levels.set_service_model(ctx.db, ctx.actor, values["service_model"])
    except DomainError as exc:
        errors.update(field_errors(exc, "service_model"))
    try:
        organisation.set_allowed_staff_domains(ctx.db, ctx.actor, values["domains"].splitlines())
    except DomainError as exc:
        errors.update(field_errors(exc, "domains"))
    if errors:
        return render_form(ctx, template, {"values": values, "models": MODELS}, errors, ORGANISATION_ORDER)
    response = ctx.redirect("admin-organisation")
    response.headers["location"] += "?saved=yes"
    return response


def bank_holidays_page(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return _holidays(ctx)
    values = {name: ctx.field(name) for name in ("kind", "name", "nation")}
    if repeated(ctx):
        return ctx.redirect("admin-bank-holidays")
    errors: dict[str, str] = {}
    if values["kind"] not in ("add", "remove"):
        errors["kind"] = "Select whether you are adding or removing a bank holiday"
    if not values["name"].strip():
        errors["name"] = "Enter the name of the bank holiday"
    answer = parse_date(date_parts(ctx.field, DATE), "the date of the bank holiday", earliest=FIRST_DAY, latest=LAST_DAY)
    day = answer.value
    if answer.error:
        errors[DATE] = answer.error
    nation = Nation(values["nation"]) if values["nation"] in {n.value for n in holidays.PLACES} else None
    if nation is None:
        errors["nation"] = "Select the nation the bank holiday is in"
    if not errors and day is not None and nation is not None:
        is_holiday = holidays.is_bank_holiday(ctx.db, nation, day)
        if values["kind"] == "remove" and not is_holiday:
            errors[DATE] = f"{day:%-d %B %Y} is not a bank holiday in {nation.label}"
        elif values["kind"] == "add" and is_holiday:
            errors[DATE] = f"{day:%-d %B %Y} is already a bank holiday in {nation.label}"
    if not errors and day is not None:
        change = bank_holidays.add_bank_holiday if values["kind"] == "add" else bank_holidays.remove_bank_holiday
        try:
            assert ctx.actor is not None
            change(ctx.db, ctx.actor, values["nation"], day, values["name"])
        except DomainError as exc:
            errors = field_errors(exc, DATE)
    if errors:
        return _holidays(ctx, errors, values, answer.wrong if answer.error else DATE_PARTS)
    return ctx.redirect("admin-bank-holidays")


def undo(ctx: RequestContext) -> Response:
    if not repeated(ctx):
        assert ctx.actor is not None
        bank_holidays.undo_adjustment(ctx.db, ctx.actor, path_int(ctx, "adjustment_id"))
    return ctx.redirect("admin-bank-holidays")


def _holidays(ctx: RequestContext, errors: Mapping[str, str] | None = None,
              values: Mapping[str, Any] | None = None, wrong: tuple[str, ...] = ()) -> Response:
    """The page; ``wrong`` are the date's boxes to mark when the date has an error (the summary links to the first)."""
    today = today_in_london()
    context = {
        "adjustments": holidays.adjustment_rows(ctx.db),
        "nations": holidays.PLACES,
        "upcoming": [(nation, holidays.upcoming(ctx.db, nation, today)) for nation in holidays.PLACES],
        "values": dict(values or {}),
        "day_items": date_items(date_parts(ctx.field, DATE), wrong if errors and DATE in errors else ()),
    }
    anchors = {DATE: f"{DATE}-{wrong[0]}"} if wrong else None
    return render_form(ctx, "backoffice/admin/bank_holidays.html", context, errors, HOLIDAY_ORDER, anchors=anchors)
