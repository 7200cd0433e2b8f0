"""A route's path by its name, without asking every route in turn.

Starlette's ``url_path_for`` tries each route in order, and each one that is not it says so with an
exception: with the suite's few hundred routes that was over a millisecond of every page, which builds a
dozen links or more. Each app keeps its routes by name, for the names exactly one route has, and asks that
route straight away; anything else (a mount's routes, a name two routes share) goes the long way round.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

_INDEX = "civic_routes_by_name"


def path_to(app: Starlette, name: str, **params: Any) -> str:
    """``app.url_path_for(name, **params)`` as a string, the same answer, found directly."""
    route = _routes_by_name(app).get(name)
    if route is not None:
        return str(route.url_path_for(name, **params))
    return str(app.url_path_for(name, **params))


def _routes_by_name(app: Starlette) -> dict[str, BaseRoute]:
    index: dict[str, BaseRoute] | None = getattr(app.state, _INDEX, None)
    if index is None:
        routes = app.routes
        names = Counter(getattr(r, "name", None) for r in routes)
        index = {}
        for route in routes:
            if isinstance(route, Mount) and route.name is None:
                break  # an unnamed mount answers for its routes' names: from here on, Starlette's order decides
            if isinstance(route, Route) and names[route.name] == 1:
                index[route.name] = route
        setattr(app.state, _INDEX, index)
    return index
