"""What every administration handler shares: domain refusals as field errors, and parsing ids and numbers.

Kept here so each handler stays a parse, a domain call and a render; the GOV.UK form pieces
(rendering with the error summary, dates, email, single-use keys) are ``shared.web.forms``, the access policies ``backoffice.staff.access``.
"""

from __future__ import annotations

from shared.errors import DomainError
from shared.numbers import parse_int
from shared.web import RequestContext


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
