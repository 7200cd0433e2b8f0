"""A route's path by name, remembered per app: Starlette looks every name up by trying each route in turn.

``app.url_path_for`` walks the whole route table (a staff app has about seventy routes) and builds an
exception for every route that does not match, so a list page that links each of its 25 cases,
a Claim form per row and the navigation spent more time finding paths than in its SQL. An app's
routes are fixed once it is built, so the same name and parameters always give the same path (or
none): the answer is kept, misses too, in a table per app that is emptied when it grows large
(every case reference seen would otherwise stay).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from starlette.routing import NoMatchFound

#: Paths kept per app before its table is emptied and filled again.
LIMIT = 20_000
_MISSING = object()
_PATHS: WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()


def url_path(app: Any, name: str, params: dict[str, Any]) -> str:
    """``str(app.url_path_for(name, **params))``; raises ``NoMatchFound`` as it does."""
    try:
        key = (name, *sorted((k, type(v), v) for k, v in params.items()))
        hash(key)
    except TypeError:  # a parameter that cannot be a key: ask the routes
        return str(app.url_path_for(name, **params))
    table = _PATHS.get(app)
    if table is None:
        table = _PATHS.setdefault(app, {})
    found = table.get(key)
    if found is None:
        try:
            found = str(app.url_path_for(name, **params))
        except NoMatchFound:
            found = _MISSING
        if len(table) >= LIMIT:
            table.clear()
        table[key] = found
    if found is _MISSING:
        raise NoMatchFound(name, params)
    return str(found)
