"""Request bodies counted as they arrive, so a route's limit holds whatever the headers say.

A chunked body declares no length; counting only ``Content-Length`` lets a
stranger send gigabytes into memory or onto disk before anything refuses them.
:class:`BodyLimitMiddleware` counts every byte the app receives against a
budget that starts at the largest any route allows and that a route lowers
(:meth:`BodyBudget.limit_to`) once it knows what the request is. Passing the
budget raises :class:`BodyTooLarge` out of ``receive``, wherever the reading is
done, and the one error handler answers with the GOV.UK 413 page or problem.

A request answered before its body was read whole (too large, refused before
reading) is answered with ``Connection: close``: the server then stops reading
the rest instead of draining it for the next request on the connection.

A body must also keep coming: after a grace period it must have averaged at least ``MIN_RATE`` bytes a second
(far below any real connection, mobile included), or the read ends with the GOV.UK 408 page. A client
dribbling a byte a second would otherwise hold a worker's request, and its database session, for hours.

Starlette's own ``RequestBodyLimitMiddleware`` replaces any response to an
over-declared body with a plain-text 413, which would hide the GOV.UK page and
a refusal decided before the body mattered (CSRF, sign-in); hence this one.
"""

from __future__ import annotations

import asyncio
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUDGET_KEY = "civic.body_budget"
#: Seconds a body may take before the rate counts, and the slowest average it may then keep up (bytes/s).
GRACE_SECONDS = 20.0
MIN_RATE = 1000


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="The request body is larger than this page accepts.",
                         headers={"Connection": "close"})


class BodyBudget:
    """How many body bytes one request may still send, and how many it has."""

    def __init__(self, limit: int, declared: int | None, has_body: bool) -> None:
        self.limit = limit
        self.declared = declared
        self.has_body = has_body
        self.received = 0
        self.complete = not has_body

    def limit_to(self, limit: int) -> None:
        """Lower the budget to a route's limit; refuses at once a body declared or already past it."""
        self.limit = min(self.limit, limit)
        self.check()

    def check(self) -> None:
        if self.received > self.limit or (self.declared is not None and self.declared > self.limit):
            raise BodyTooLarge()


class BodyTimeout(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=408, detail="The request body stopped arriving.", headers={"Connection": "close"})


def budget_of(scope: Scope) -> BodyBudget | None:
    budget = scope.get(BUDGET_KEY)
    return budget if isinstance(budget, BodyBudget) else None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, ceiling: int, grace_seconds: float | None = None) -> None:
        self.app = app
        self.ceiling = ceiling
        #: None: ``GRACE_SECONDS`` (read at each request); else ``Settings.body_grace_seconds``.
        self.grace_seconds = grace_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = _declared_length(headers.get("content-length"))
        has_body = bool(declared) or "transfer-encoding" in headers
        budget = BodyBudget(self.ceiling, declared, has_body)
        scope[BUDGET_KEY] = budget

        started = time.monotonic()
        grace = GRACE_SECONDS if self.grace_seconds is None else self.grace_seconds

        async def counted() -> Message:
            budget.check()
            if budget.complete:  # after the body, receive() waits for the client to go: no deadline
                message = await receive()
            else:
                deadline = started + grace + budget.received / MIN_RATE
                try:
                    message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    raise BodyTimeout() from None
            if message["type"] == "http.request":
                budget.received += len(message.get("body", b""))
                if not message.get("more_body", False):
                    budget.complete = True
                budget.check()
            elif message["type"] == "http.disconnect":
                budget.complete = True
            return message

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not budget.complete:
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, counted, closing)


def _declared_length(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.strip().isdigit():
        return None
    return int(value.strip())
