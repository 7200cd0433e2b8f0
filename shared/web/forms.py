"""The GOV.UK form pieces every app's pages share: the error summary, the date input, email and form keys.

Each exists once so that capture and every staff area word the same mistake
the same way (the Design System's wording) and link it to the same place.
No domain rules live here: a caller says what its dates may be (a calendar's
bounds, "in the past") and this module only words the refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from starlette.responses import Response

from shared.idempotency import first_use
from shared.mail.addresses import address_error
from shared.numbers import date_from_parts
from shared.web.routing import RequestContext

#: The hidden field of ``shared/_forms.html``'s ``hidden_fields()``: a form's single-use key.
KEY_FIELD = "idempotency_key"
#: A govukDateInput's boxes, in the order they are shown (and searched for the first wrong one).
DATE_PARTS = ("day", "month", "year")
_WIDTHS = {"day": 2, "month": 2, "year": 4}


# --- the error summary --------------------------------------------------------------------------------


def error_summary(errors: Mapping[str, str], order: Sequence[str] = (),
                  anchors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the shared layout's govukErrorSummary needs: ``errors`` by field and ``error_list`` in field order.

    Fields named in ``order`` come first, in that order, then any others as
    given. Each item links to ``#<field>``, or to ``anchors[field]`` where the
    field's first input has another id (a date input's first wrong box, say).
    """
    anchors = anchors or {}
    listed = [name for name in order if name in errors] + [name for name in errors if name not in order]
    items = [{"text": errors[name], "href": "#" + anchors.get(name, name)} for name in listed]
    return {"errors": dict(errors), "error_list": items}


# --- the date input -----------------------------------------------------------------------------------


class Past(Enum):
    """Whether a date must lie in the past: "in the past" excludes today, "today or in the past" does not."""

    BEFORE_TODAY = "in the past"
    TODAY_OR_BEFORE = "today or in the past"


@dataclass(frozen=True)
class DateAnswer:
    """What a date input's three boxes gave: the date, or the message and the boxes to mark.

    ``wrong`` lists the boxes to style as in error (all three when the date as
    a whole is wrong); the error summary links to the first of them.
    """

    value: dt.date | None
    error: str | None = None
    wrong: tuple[str, ...] = ()

    @property
    def part(self) -> str:
        """The box the error summary links to: the first wrong one, else the day."""
        return self.wrong[0] if self.wrong else "day"

    def anchor(self, prefix: str) -> str:
        return f"{prefix}-{self.part}"


def date_parts(values: Mapping[str, Any] | Callable[[str], str], prefix: str) -> dict[str, str]:
    """The three boxes ``<prefix>-day``, ``-month`` and ``-year`` of a submitted form, stripped.

    ``values`` is the submitted fields or a function that reads one (``ctx.field``).
    """
    get = values if callable(values) else (lambda name: values.get(name, ""))
    return {part: str(get(f"{prefix}-{part}") or "").strip() for part in DATE_PARTS}


def parse_date(parts: Mapping[str, str], label: str, *, required: bool = True, missing: str | None = None,
               earliest: dt.date | None = None, latest: dt.date | None = None, past: Past | None = None,
               today: dt.date | None = None) -> DateAnswer:
    """A GOV.UK date input's boxes as a date, or the Design System's message for what is wrong.

    ``label`` is the date as it reads inside a sentence ("your date of birth",
    "the date received"); messages start with it capitalised. ``missing``
    replaces "Enter <label>" when nothing was typed. ``earliest``/``latest``
    bound the dates that mean anything (the days a calendar covers); ``past``
    (with ``today``, by default the server's date) refuses future dates.
    """
    subject = label[:1].upper() + label[1:]
    empty = [part for part in DATE_PARTS if not parts.get(part, "")]
    if len(empty) == len(DATE_PARTS):
        return DateAnswer(None, (missing or f"Enter {label}") if required else None, DATE_PARTS if required else ())
    if empty:
        return DateAnswer(None, f"{subject} must include a {' and '.join(empty)}", tuple(empty))
    day, month, year = (parts[part] for part in DATE_PARTS)
    if not all(value.isascii() and value.isdigit() for value in (day, month, year)):
        return DateAnswer(None, f"{subject} must be a real date", DATE_PARTS)
    if len(year) != 4:
        return DateAnswer(None, "Year must include 4 numbers", ("year",))
    found = date_from_parts(day, month, year)
    if found is None:
        return DateAnswer(None, f"{subject} must be a real date", DATE_PARTS)
    problem = _out_of_bounds(found, earliest, latest, past, today or dt.date.today())
    if problem:
        return DateAnswer(None, f"{subject} must be {problem}", DATE_PARTS)
    return DateAnswer(found)


def _out_of_bounds(day: dt.date, earliest: dt.date | None, latest: dt.date | None, past: Past | None,
                   today: dt.date) -> str | None:
    """The end of the sentence "<Label> must be …" when ``day`` is outside what is allowed, else None."""
    if past is not None and (day > today or (past is Past.BEFORE_TODAY and day == today)):
        return past.value
    if (earliest is None or day >= earliest) and (latest is None or day <= latest):
        return None
    if earliest is not None and latest is not None:
        return f"between {earliest:%-d %B %Y} and {latest:%-d %B %Y}"
    if earliest is not None:
        return f"the same as or after {earliest:%-d %B %Y}"
    return f"the same as or before {latest:%-d %B %Y}"


def date_items(parts: Mapping[str, str], wrong: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The ``items`` of a govukDateInput: what was typed kept, the wrong boxes marked."""
    return [
        {"name": part, "label": part.title(), "value": parts.get(part, ""), "inputmode": "numeric",
         "classes": f"govuk-input--width-{_WIDTHS[part]}" + (" govuk-input--error" if part in wrong else "")}
        for part in DATE_PARTS
    ]


# --- email and form keys ------------------------------------------------------------------------------


def email_error(address: str, *, missing: str | None = "Enter your email address") -> str | None:
    """The field error for a typed email address, by the mailer's own rule (``shared.mail.addresses``).

    Blank is ``missing`` (None for an optional field, which then has no error).
    """
    if not address.strip():
        return missing
    return address_error(address)


def repeated(ctx: RequestContext) -> bool:
    """True when this form's single-use key was used before: a double click or a resubmission acts once."""
    return not first_use(ctx.db, ctx.field(KEY_FIELD) or None)


def render_form(ctx: RequestContext, template: str, context: Mapping[str, Any] | None = None,
                errors: Mapping[str, str] | None = None, order: Sequence[str] = (), *,
                anchors: Mapping[str, str] | None = None, status: int | None = None) -> Response:
    """A page with its error summary (:func:`error_summary`); forms get their single-use key from ``shared/_forms.html``.

    A page with errors answers 422 unless told otherwise, so the request's
    transaction is rolled back: nothing half-done is stored and the form's key
    can be used again.
    """
    values = {**error_summary(errors or {}, order, anchors), **dict(context or {})}
    return ctx.render(template, values, status_code=status or (422 if errors else 200))
