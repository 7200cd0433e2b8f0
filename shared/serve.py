"""``civic serve``: every installed app mounted under its prefix, plus an in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import h11
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from shared.apps import AppSpec, home
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.templating import warm
from shared.worker import run_forever


def _to(mount: str) -> Callable[[Request], Awaitable[Response]]:
    async def redirect(_request: Request) -> Response:
        return RedirectResponse(mount + "/", status_code=302)

    return redirect


def create_suite(runtime: Runtime, specs: list[AppSpec], with_worker: bool = True) -> Starlette:
    """One ASGI app for the whole suite; each app is still its own ASGI app inside it."""
    stop = threading.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        for app in apps.values():
            templates = getattr(getattr(app, "state", None), "templates", None)
            if templates is not None:
                warm(templates)
        for spec in specs:
            if spec.warm is not None:
                spec.warm(runtime)
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
    front = home(specs)
    routes: list[BaseRoute] = [Route("/", _to(front.mount), methods=["GET"], name="root")]
    routes += [PrefixMount(spec.mount, app=apps[spec.key], name=spec.key) for spec in specs]
    suite = Starlette(routes=routes, lifespan=lifespan)
    suite.router.default = _not_found_in(apps[front.key], front.mount)
    return suite


class PrefixMount(Mount):
    """A mount that takes every path under its prefix, whatever characters follow.

    Starlette matches a mount with ``^/prefix/(?P<path>.*)$``; ``.`` stops at a
    newline, so ``/backoffice/api/v1/cases/ABC%0Ax`` missed the back office and
    got the front door's HTML 404 instead of the API's problem document.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket") or not get_route_path(scope).startswith(self.path + "/"):
            return Match.NONE, {}
        root_path = scope.get("root_path", "")
        return Match.FULL, {
            "path_params": dict(scope.get("path_params", {})),
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + self.path,
            "endpoint": self.app,
        }


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


#: Seconds a connection may wait for a request's head: after it opens, or after the last response
#: (uvicorn's keep-alive timeout, which this also applies to a connection that never sent a request).
HEAD_TIMEOUT_SECONDS = 5


class HeadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request's head.

    uvicorn times out a keep-alive connection only between requests, and only until its first byte: a
    connection opened and never written to, or a head sent a byte every few seconds, is held for ever.
    Each costs little, but thousands of them use up the process's file descriptors and then no one gets
    in. Here the head must be whole within ``timeout_keep_alive`` of the connection opening or of the
    previous response, else the connection is closed. A body has its own guard (``shared.web.bodies``).
    """

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is in: the request is under way
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for ``civic serve`` (with ``host`` and ``port``), in one place for the fault tests.

    uvicorn's own proxy handling stays off (it would trust 127.0.0.1 by default): each app applies
    TRUSTED_PROXIES itself, the same in one process, in --workers N and on its own. No
    ``limit_concurrency``: it counts open connections, so idle ones would turn real visitors away with
    503s; the head timeout above bounds them instead.
    """
    return {"host": settings.host, "port": settings.port, "log_level": "info", "proxy_headers": False,
            "server_header": False, "log_config": log_config(), "http": "shared.serve:HeadTimeoutH11Protocol",
            "timeout_keep_alive": HEAD_TIMEOUT_SECONDS}


def log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with link tokens taken out of every line it writes.

    uvicorn logs each request's path, and a Secure Share link's path is its secret
    (``/secure-share/s/<token>``): ``RedactSecrets`` sits on both of uvicorn's handlers,
    so neither the access log nor an error line that quotes a path keeps one.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "shared.web.security.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config


def bind_tcp(config: Any) -> socket.socket:
    """uvicorn's listening socket for several processes, marked as TCP.

    uvicorn binds it with ``proto`` 0; accepted sockets inherit that and asyncio
    then leaves Nagle's algorithm on, so every keep-alive request after the first
    waits ~40 ms for the client's delayed ACK (uvicorn issue #3149; one process
    is not affected). With ``IPPROTO_TCP`` asyncio sets TCP_NODELAY again.
    """
    sock: socket.socket = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


#: How long uvicorn's supervisor waits for a process to answer its liveness ping before it kills it (and
#: every connection it holds) and starts another. uvicorn's 5 s is too short for a busy process: the ping is
#: answered by a thread that needs the GIL, and with a few hundred downloads and searches in flight on two
#: shared cores it waited longer than that, so a working process was killed mid-download (and one still
#: importing the apps at start-up was killed the same way). A process that is truly hung is still replaced.
WORKER_HEALTHCHECK_SECONDS = 60


def run_processes(factory: str, workers: int, options: dict[str, Any]) -> None:
    """``uvicorn.run(factory, workers=N)``, except for the socket (see :func:`bind_tcp`) and the liveness
    ping's patience (:data:`WORKER_HEALTHCHECK_SECONDS`)."""
    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    config = Config(factory, factory=True, workers=workers,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, **options)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[bind_tcp(config)]).run()
