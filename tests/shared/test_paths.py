"""Paths by route name: the same answer as Starlette's ``url_path_for`` for every route of every app."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, NoMatchFound, Route

from shared.apps import discover
from shared.runtime import Runtime
from shared.serve import create_suite
from shared.web.paths import path_to


def _ok(_request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


def test_every_route_of_the_suite_is_found_where_starlette_finds_it(runtime: Runtime) -> None:
    suite = create_suite(runtime, discover(), with_worker=False)
    apps = [r.app for r in suite.routes if isinstance(r, Mount) and isinstance(r.app, Starlette)]
    checked = 0
    for app in apps:
        for route in app.routes:
            if not isinstance(route, Route):
                continue
            params = {name: "x1" if convertor.regex == "[^/]+" else "1"
                      for name, convertor in route.param_convertors.items()}
            assert path_to(app, route.name, **params) == str(app.url_path_for(route.name, **params))
            checked += 1
    assert checked > 100


def test_a_name_two_routes_share_and_an_unnamed_mount_keep_starlettes_order() -> None:
    inner = Mount("", routes=[Route("/inner", _ok, name="after")])
    app = Starlette(routes=[
        Route("/one/{n:int}", _ok, name="shared"), Route("/two/{word}", _ok, name="shared"),
        Route("/plain", _ok, name="plain"), inner, Route("/after", _ok, name="after"),
    ])
    assert path_to(app, "plain") == "/plain"
    assert path_to(app, "shared", word="w") == "/two/w"  # the first route refuses these params
    assert path_to(app, "after") == "/inner"  # the mount comes first, as Starlette has it
    with pytest.raises(NoMatchFound):
        path_to(app, "plain", extra="1")
    with pytest.raises(NoMatchFound):
        path_to(app, "nowhere")
