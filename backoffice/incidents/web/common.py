"""What the incident pages share: a date and time typed in London, the one-shot success message, who acts.

A time is a GOV.UK date input (``<prefix>-day``, ``-month``, ``-year``) beside a 24-hour time box
(``<prefix>-time``): the date is worded by :mod:`shared.web.forms` as every other date is, the moment by
:func:`backoffice.incidents.times.parse_london`, which refuses the clock-change hours rather than guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backoffice.casework.web.common import form_values
from backoffice.clocks.service_hours import LONDON
from backoffice.incidents import times
from shared.audit import Actor
from shared.db import utcnow
from shared.errors import InvalidInput, NotAuthenticated
from shared.web import RequestContext
from shared.web.forms import date_parts, parse_date

__all__ = ["TimeAnswer", "actor_of", "flash", "form_values", "now_values", "pop_flash", "typed_time"]

FLASH_KEY = "incidents_flash"
EARLIEST = times.EARLIEST.date()


@dataclass(frozen=True)
class TimeAnswer:
    """The instant typed (None when left empty and optional), or the message and the box to link to."""

    value: dt.datetime | None
    error: str | None = None
    part: str = "day"


def typed_time(values: Mapping[str, Any], prefix: str, label: str, *, required: bool,
               parse: Callable[[str, str, str], dt.datetime] = times.parse_london) -> TimeAnswer:
    """``label`` reads inside a sentence ("the time received"); ``parse`` turns a date and HH:MM into an instant."""
    parts = date_parts(values, prefix)
    clock = str(values.get(f"{prefix}-time") or "").strip()[:10]
    if not any(parts.values()) and not clock:
        return TimeAnswer(None, f"Enter {label}" if required else None)
    answer = parse_date(parts, label, earliest=EARLIEST)
    if answer.error or answer.value is None:
        return TimeAnswer(None, answer.error or f"Enter {label}", answer.part)
    if not clock:
        return TimeAnswer(None, f"Enter the time of {label}, like 14:30", "time")
    try:
        return TimeAnswer(parse(answer.value.isoformat(), clock, prefix))
    except InvalidInput as exc:
        return TimeAnswer(None, exc.errors.get(prefix, exc.detail), "time")


def now_values(prefix: str, moment: dt.datetime | None = None) -> dict[str, str]:
    """A time's boxes filled with now (or ``moment``), in London."""
    local = (moment or utcnow()).astimezone(LONDON)
    return {f"{prefix}-day": str(local.day), f"{prefix}-month": str(local.month), f"{prefix}-year": str(local.year),
            f"{prefix}-time": f"{local:%H:%M}"}


def flash(ctx: RequestContext, message: str) -> None:
    """Remember a success message for the next page only (the POST is followed by a redirect)."""
    ctx.request.session[FLASH_KEY] = message


def pop_flash(ctx: RequestContext) -> str | None:
    value = ctx.request.session.pop(FLASH_KEY, None)
    return value if isinstance(value, str) else None


def actor_of(ctx: RequestContext) -> Actor:
    """The signed-in member of staff (every incident page is behind ``MANAGERS``)."""
    if ctx.actor is None:
        raise NotAuthenticated("This page is not behind a staff access policy")
    return ctx.actor
