"""A GOV.UK component's HTML, rendered once per process for the same parameters.

govuk-frontend-jinja's macros are written for every case a component can take, so each option of a
select or item of a checkbox list costs several macro calls (its attributes, its label, its hint).
A staff list's Owner select offers every caseworker, about 150 at a council: rendering it was a third
of the team queue's page, every request, for the same few answers. In a template,

    {{ remembered(govukSelect, {...}) }}

gives exactly what ``govukSelect({...})`` gives. A component macro sees only its parameters (it is
imported without context), so the same parameters always make the same HTML; parameters are matched
by value and by kind (text and HTML already marked safe are told apart, as the macro tells them; an
undefined value is one kind), and any value that is not plain data (a date, an object) is rendered
afresh, never kept. The table is emptied when it grows large.

Only for components built from the service's own words and choices (headers, navigation, selects,
filters, tags). A component that shows a case's personal data or what someone typed (case details,
form answers, notes, a date of birth) is rendered afresh: its HTML would otherwise stay in the process
after retention destroys the case, and it is seldom the same twice anyway.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Undefined
from markupsafe import Markup

#: Renderings kept before the table is emptied and filled again.
LIMIT = 500
_KEPT: dict[tuple[Any, ...], Any] = {}


class _Unkeyable(Exception):
    pass


def _key(value: Any) -> Any:
    if isinstance(value, Undefined):
        # A value the template does not have (``values.note`` on a page shown afresh): every undefined
        # of a class renders, tests and compares alike, whatever name it was looked up by.
        return ("undefined", type(value))
    if isinstance(value, Markup):
        return ("html", str(value))
    if isinstance(value, str):
        return ("text", str(value))
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _key(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_key(item) for item in value))
    raise _Unkeyable


def remembered(macro: Any, params: Any) -> Any:
    """``macro(params)``, kept for the next call with equal parameters."""
    code = getattr(getattr(macro, "_func", None), "__code__", None)
    try:
        if code is None:
            raise _Unkeyable
        key = (code, getattr(macro, "name", ""), _key(params))
    except _Unkeyable:
        return macro(params)
    found = _KEPT.get(key)
    if found is None:
        found = macro(params)  # Markup already: the environment escapes, so a macro's output is marked safe
        if len(_KEPT) >= LIMIT:
            _KEPT.clear()
        _KEPT[key] = found
    return found
