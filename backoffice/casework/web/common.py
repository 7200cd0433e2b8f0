"""What every case-work page shares: the one-shot success message, single-use form keys and form parsing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from starlette.responses import Response

from backoffice.intake.new_cases import EARLIEST_RECEIVED, LATEST_RECEIVED
from backoffice.staff.web.forms import error_context
from shared.audit import Actor
from shared.errors import NotAuthenticated
from shared.idempotency import first_use
from shared.numbers import date_from_parts, parse_int
from shared.web import RequestContext

FLASH_KEY = "casework_flash"
KEY_FIELD = "idempotency_key"


def flash(ctx: RequestContext, message: str) -> None:
    """Remember a success message for the next page only (Post/Redirect/Get loses the POST's context)."""
    ctx.request.session[FLASH_KEY] = message


def pop_flash(ctx: RequestContext) -> str | None:
    value = ctx.request.session.pop(FLASH_KEY, None)
    return value if isinstance(value, str) else None


def is_repeat(ctx: RequestContext) -> bool:
    """True when this form's key was used before: a double click or a resubmission must not act twice."""
    return not first_use(ctx.db, ctx.field(KEY_FIELD) or None)


def form_values(ctx: RequestContext, lists: Collection[str] = ()) -> dict[str, Any]:
    """The submitted fields, so a form shown again with errors keeps what the person typed.

    The fields named in ``lists`` (checkboxes) are lists; every other field is one
    string, its first value even when it was sent more than once, so a doubled or
    tampered form never puts a list where the handler expects text.
    """
    if ctx.form is None:
        return {}
    values: dict[str, Any] = {}
    for name in ctx.form:
        items = [v for v in ctx.form.getlist(name) if isinstance(v, str)]
        values[name] = items if name in lists else (items[0] if items else "")
    return values


def errors_context(errors: Mapping[str, str], order: tuple[str, ...] = (),
                   anchors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The shared layout's error summary, with links moved where a field's first input is not its id
    (a date input's day box, say)."""
    context = error_context(errors, order)
    for item in context["error_list"]:
        name = item["href"][1:]
        if anchors and name in anchors:
            item["href"] = "#" + anchors[name]
    return context


def int_or_none(value: str | None) -> int | None:
    """A number typed or picked (an id from a list, a count of days); None for blank and for anything but digits."""
    return parse_int((value or "").strip())


def parse_date(values: Mapping[str, Any], prefix: str, label: str, *, required: bool,
               missing: str) -> tuple[dt.date | None, str | None, str]:
    """A GOV.UK date input's three boxes as a date, or the Design System's error message for them.

    Returns the date, the error and which box to link the error to.
    """
    parts = {part: str(values.get(f"{prefix}-{part}", "")).strip() for part in ("day", "month", "year")}
    empty = [part for part, value in parts.items() if not value]
    if len(empty) == 3:
        return None, (missing if required else None), "day"
    if empty:
        return None, f"{label} must include a {' and a '.join(empty)}", empty[0]
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        return None, f"{label} must be a real date", "day"
    if len(parts["year"]) != 4:
        return None, "Year must include 4 numbers", "year"
    day = date_from_parts(parts["day"], parts["month"], parts["year"])
    if day is None:
        return None, f"{label} must be a real date", "day"
    # Every date typed in case work feeds a clock or a target, which the deadline calendar must cover.
    if day < EARLIEST_RECEIVED:
        return None, f"{label} must be on or after {EARLIEST_RECEIVED:%-d %B %Y}", "day"
    if day > LATEST_RECEIVED:
        return None, f"{label} must be on or before {LATEST_RECEIVED:%-d %B %Y}", "day"
    return day, None, "day"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def actor_of(ctx: RequestContext) -> Actor:
    """The signed-in staff member as the audit log's actor (every case-work page is behind ``signed_in``)."""
    if ctx.actor is None:
        raise NotAuthenticated("This page is not behind a staff access policy")
    return ctx.actor


def render(ctx: RequestContext, template: str, context: Mapping[str, Any], status_code: int = 200) -> Response:
    """``ctx.render`` with what the case-work forms need: a fresh single-use key for each form shown."""
    return ctx.render(template, dict(context), status_code=status_code)
