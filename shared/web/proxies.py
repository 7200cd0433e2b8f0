"""The client's address and scheme behind a reverse proxy (``TRUSTED_PROXIES``).

Applied by every app, not by ``civic serve``'s uvicorn, so that one process,
``--workers N`` and an app run on its own under any ASGI server all see the same
address in ``ctx.ip``: the one per-address rate limits count and audit entries
record. The parsing is uvicorn's own (rightmost address that is not a trusted
proxy); a result that is not an IP address at all is not believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from shared.settings import Settings


class TrustedProxyMiddleware:
    """Rewrites ``scope["client"]`` and ``scope["scheme"]`` only for requests from a trusted proxy."""

    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.forwarded = ProxyHeadersMiddleware(self._checked, trusted_hosts=list(self.trusted))  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.trusted or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["peer"] = scope.get("client")
        await self.forwarded(scope, receive, send)  # type: ignore[arg-type]

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client and not _is_address(client[0]):
            scope["client"] = scope["state"]["peer"]
        await self.app(scope, receive, send)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_internal(request: Request, settings: Settings) -> bool:
    """A caller of ours: loopback, or a listed proxy calling for itself (no one forwarded behind it).

    A proxy's health checks come from its own address; a stranger it forwards
    has the stranger's address by then. ``*`` makes no caller internal.
    """
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.is_loopback:
        return True
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies if entry != "*")
