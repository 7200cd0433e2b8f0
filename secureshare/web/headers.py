"""Headers on every Secure Share response: nothing cached, indexed or passed on in a Referer.

The link's path is its secret. ``Referrer-Policy: no-referrer`` keeps it out of the Referer a page
or a download would send elsewhere; ``Cache-Control: no-store`` keeps the pages (and the documents)
out of shared and browser caches; ``X-Robots-Tag: noindex`` keeps a link that leaked out of search
results. The suite's own header set (CSP, COOP, CORP, Permissions-Policy) is added inside this, by
``shared.web.security``; a response's own stricter CSP (a download's ``sandbox``) is kept there.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ShareHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        assets = "/assets/" in path or "/static/" in path

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Robots-Tag"] = "noindex, nofollow"
                if not assets:
                    headers["Cache-Control"] = "no-store, private"
            await send(message)

        await self.app(scope, receive, send_with_headers)
