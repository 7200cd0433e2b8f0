"""``civic serve``: every installed app mounted under its prefix, plus an in-process worker."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

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

    routes: list[BaseRoute] = [Route("/", _to_capture, methods=["GET"], name="root")]
    routes += [Mount(spec.mount, app=spec.create_app(runtime), name=spec.key) for spec in specs]
    return Starlette(routes=routes, lifespan=lifespan)
