"""``civic serve``: every installed app mounted under its prefix, plus an in-process worker."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.apps import AppSpec
from shared.runtime import Runtime
from shared.worker import run_forever


async def _to_capture(_request: Request) -> Response:
    return RedirectResponse("/capture/", status_code=302)


def create_suite(runtime: Runtime, specs: list[AppSpec], with_worker: bool = True) -> Starlette:
    """One ASGI app for the whole suite; each app is still its own ASGI app inside it."""
    stop = threading.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        thread = None
        if with_worker:
            thread = threading.Thread(target=run_forever, args=(runtime, specs, stop), name="civic-worker", daemon=True)
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)

    apps = {spec.key: spec.create_app(runtime) for spec in specs}
    routes: list[BaseRoute] = [Route("/", _to_capture, methods=["GET"], name="root")]
    routes += [Mount(spec.mount, app=apps[spec.key], name=spec.key) for spec in specs]
    suite = Starlette(routes=routes, lifespan=lifespan)
    home = next((spec for spec in specs if spec.key == "capture"), specs[0])
    suite.router.default = _not_found_in(apps[home.key], home.mount)
    return suite


def _not_found_in(app: ASGIApp, mount: str) -> ASGIApp:
    """A URL outside every app gets the GOV.UK 404 page of the public front door."""

    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        inner = dict(scope, root_path=mount, path=mount + "/__not-found__")
        await app(inner, receive, send)

    return not_found


def suite_with_worker() -> Starlette:
    """Factory for ``civic serve --workers N``: one suite per process, configured from the environment."""
    from shared.apps import discover, import_models

    specs = discover()
    import_models(specs)
    return create_suite(Runtime.from_settings(), specs, with_worker=True)


def suite_without_worker() -> Starlette:
    from shared.apps import discover, import_models

    specs = discover()
    import_models(specs)
    return create_suite(Runtime.from_settings(), specs, with_worker=False)
