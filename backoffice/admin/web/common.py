"""What every administration handler shares: the access policies, form parsing and GOV.UK error context.

Kept here so each handler stays a parse, a domain call and a render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.staff.access import signed_in
from backoffice.staff.accounts import Role
from backoffice.staff.web.forms import error_context
from shared.errors import DomainError
from shared.idempotency import first_use
from shared.numbers import date_from_parts, parse_int
from shared.web import RequestContext

#: Administration proper: configuration that changes how everyone works.
ADMIN = signed_in(Role.ADMINISTRATOR)
#: Import and export move cases in bulk, which managers do too.
MANAGERS = signed_in(Role.MANAGER, Role.ADMINISTRATOR)

IDEMPOTENCY_FIELD = "idempotency_key"


def render(ctx: RequestContext, template: str, context: Mapping[str, Any] | None = None,
           errors: Mapping[str, str] | None = None, order: tuple[str, ...] = (), status: int | None = None) -> Response:
    """Render with the error summary; forms get a fresh single-use key from ``shared/_forms.html``.

    A page with errors answers 422, so the request's transaction is rolled back:
    nothing half-done is stored and the form's key can be used again.
    """
    values = {**error_context(errors or {}, order), **dict(context or {})}
    return ctx.render(template, values, status_code=status or (422 if errors else 200))


def repeated(ctx: RequestContext) -> bool:
    """True when this form was already submitted (a double click or a resubmission): do nothing again."""
    return not first_use(ctx.db, ctx.field(IDEMPOTENCY_FIELD) or None)


def field_errors(exc: DomainError, default_field: str) -> dict[str, str]:
    """A domain refusal as field errors; one without any (a conflict) is put against ``default_field``."""
    return dict(exc.errors) if exc.errors else {default_field: exc.detail}


def path_int(ctx: RequestContext, name: str) -> int:
    """A number from the path: the ``{name:id}`` convertor has already bounded and converted it."""
    value = ctx.request.path_params[name]
    if not isinstance(value, int):
        raise TypeError(f"the {name} path parameter must be declared {{{name}:id}}")
    return value


def optional_int(value: str) -> int | None:
    """A whole number typed into a form (ASCII digits); None when blank; ValueError when it is not a number."""
    value = value.strip()
    if not value:
        return None
    number = parse_int(value)
    if number is None:
        raise ValueError(f"not a whole number: {value[:20]!r}")
    return number


def chosen_id(value: str, allowed: set[int]) -> int | None:
    """An id picked from a list we offered; anything else (tampering, a stale page) is None."""
    number = parse_int(value.strip())
    return number if number in allowed else None


def date_input(ctx: RequestContext, prefix: str, label: str, *, earliest: dt.date | None = None,
               latest: dt.date | None = None) -> tuple[dt.date | None, str | None]:
    """A GOV.UK date input's three fields as a date, or the Design System's message for what is wrong.

    ``earliest`` and ``latest`` bound the dates that mean anything here (the days a calendar covers).
    """
    parts = {part: ctx.field(f"{prefix}-{part}").strip() for part in ("day", "month", "year")}
    missing = [part for part, value in parts.items() if not value]
    if len(missing) == 3:
        return None, f"Enter the {label}"
    if missing:
        return None, f"The {label} must include a " + " and ".join(missing)
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        return None, f"The {label} must be a real date"
    if len(parts["year"]) != 4:
        return None, "Year must include 4 numbers"
    day = date_from_parts(parts["day"], parts["month"], parts["year"])
    if day is None:
        return None, f"The {label} must be a real date"
    if (earliest and day < earliest) or (latest and day > latest):
        if earliest and latest:
            return None, f"The {label} must be between {earliest:%-d %B %Y} and {latest:%-d %B %Y}"
        return None, (f"The {label} must be on or after {earliest:%-d %B %Y}" if earliest else
                      f"The {label} must be on or before {latest:%-d %B %Y}")
    return day, None


def date_items(ctx: RequestContext, prefix: str, has_error: bool) -> list[dict[str, Any]]:
    """The items of a govukDateInput, keeping what was typed and marking every part on an error."""
    widths = {"day": 2, "month": 2, "year": 4}
    return [
        {"name": part, "label": part.title(), "value": ctx.field(f"{prefix}-{part}"),
         "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if has_error else ""),
         "inputmode": "numeric"}
        for part, width in widths.items()
    ]
