"""What every case-work page shares: the one-shot success message, the submitted values, case dates."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from backoffice.intake.new_cases import EARLIEST_RECEIVED, LATEST_RECEIVED
from shared.audit import Actor
from shared.errors import NotAuthenticated
from shared.numbers import parse_int
from shared.web import RequestContext
from shared.web.forms import DateAnswer, date_parts, parse_date

FLASH_KEY = "casework_flash"


def flash(ctx: RequestContext, message: str) -> None:
    """Remember a success message for the next page only (Post/Redirect/Get loses the POST's context)."""
    ctx.request.session[FLASH_KEY] = message


def pop_flash(ctx: RequestContext) -> str | None:
    value = ctx.request.session.pop(FLASH_KEY, None)
    return value if isinstance(value, str) else None


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


def int_or_none(value: str | None) -> int | None:
    """A number typed or picked (an id from a list, a count of days); None for blank and for anything but digits."""
    return parse_int((value or "").strip())


def case_date(values: Mapping[str, Any], prefix: str, label: str, *, required: bool,
              missing: str | None = None) -> DateAnswer:
    """A date typed in case work (the ``<prefix>-day/-month/-year`` boxes), or the GOV.UK message for it.

    Every such date feeds a clock or a target, so it must lie inside the days
    the deadline calendars cover; the wording is ``shared.web.forms``'s.
    """
    return parse_date(date_parts(values, prefix), label, required=required, missing=missing,
                      earliest=EARLIEST_RECEIVED, latest=LATEST_RECEIVED)


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def actor_of(ctx: RequestContext) -> Actor:
    """The signed-in staff member as the audit log's actor (every case-work page is behind ``signed_in``)."""
    if ctx.actor is None:
        raise NotAuthenticated("This page is not behind a staff access policy")
    return ctx.actor
