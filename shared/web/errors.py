"""One place that turns every failure into a GOV.UK error page or a problem document.

People get the Design System's wording and never a traceback; API clients get
RFC 9457 ``application/problem+json``. Which one is the route's to say
(``page(..., api=True)``); a path no route matched is a client's when it lies
under a prefix its app declared as its API's (``create_web_app(api_prefix=...)``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import get_route_path

from shared.errors import DomainError
from shared.ratelimit import RateLimited
from shared.web.routing import CsrfFailure, Page

log = logging.getLogger("civic.errors")

PAGES: dict[int, tuple[str, list[str]]] = {
    400: (
        "Sorry, there is a problem with your request",
        ["The service could not understand what your browser sent.", "Go back, reload the page and try again."],
    ),
    401: ("You need to sign in", ["Sign in to use this service."]),
    403: ("You do not have permission to see this page", ["If you think you should have access, contact your service manager."]),
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
        ],
    ),
    405: ("Page not found", ["If you typed the web address, check it is correct."]),
    408: ("Sorry, your request took too long", ["Your browser stopped sending what you entered.",
                                                "Go back and try again. Your answers have not been sent."]),
    409: ("This has already been changed", ["Someone else may have changed it. Go back, reload the page and check."]),
    413: (
        "The file or form you sent is too large",
        ["Go back and choose a smaller file, or send less text.", "Your answers have not been sent."],
    ),
    415: (
        "Sorry, there is a problem with your request",
        ["This page cannot take what your browser sent.", "Go back, reload the page and try again."],
    ),
    422: ("Sorry, there is a problem with your request", ["Go back and check what you entered."]),
    429: ("Sorry, you have made too many requests", ["Wait a few minutes and try again."]),
    500: ("Sorry, there is a problem with the service", ["Try again later.", "What you were doing has not been saved."]),
    503: ("Sorry, the service is unavailable", ["You will be able to use the service later.", "What you were doing has not been saved."]),
}

#: Where a person's page says what to do, a client's problem names the status as HTTP does.
PROBLEM_TITLES: dict[int, str] = {405: "Method not allowed"}

CSRF_PAGE = (
    "Sorry, we could not accept your form",
    [
        "This can happen if the page was open for a long time or your browser blocks cookies.",
        "Go back, reload the page and try again.",
    ],
)


def _is_api(request: Request) -> bool:
    """The matched route's declaration; for a path no route of the app took, its app's API prefix.

    Starlette names the route it matched (or the one whose path matched but not
    its method: a 405) in ``scope["route"]``; an unmatched path leaves no page there.
    """
    route = request.scope.get("route")
    if isinstance(route, Page):
        return route.api
    prefix: str | None = getattr(getattr(request.scope.get("app"), "state", None), "api_prefix", None)
    path = get_route_path(request.scope)
    return prefix is not None and path.startswith(prefix.rstrip("/") + "/")


def problem(status: int, title: str, detail: str, request: Request, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def error_page(request: Request, status: int, heading: str | None = None, paragraphs: list[str] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    default_heading, default_paragraphs = PAGES.get(status, PAGES[500])
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "shared/error.html",
        {"status": status, "heading": heading or default_heading, "paragraphs": paragraphs or default_paragraphs},
        status_code=status,
        headers=headers,
    )
    return response


def respond(request: Request, status: int, detail: str = "", heading: str | None = None,
            paragraphs: list[str] | None = None, headers: dict[str, str] | None = None,
            extra: dict[str, Any] | None = None) -> Response:
    if _is_api(request):
        title = heading or PROBLEM_TITLES.get(status) or PAGES.get(status, PAGES[500])[0]
        response = problem(status, title, detail or title, request, extra)
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response
    return error_page(request, status, heading, paragraphs, headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    location = (exc.headers or {}).get("Location")
    if 300 <= exc.status_code < 400 and location:
        return RedirectResponse(location, status_code=exc.status_code)
    if isinstance(exc, CsrfFailure):
        return respond(request, 400, "The form's security token was missing or wrong.", *CSRF_PAGE)
    if exc.detail == "malformed-json":
        return respond(request, 400, "The request body is not valid JSON.")
    if exc.detail == "deep-json":
        return respond(request, 400, "The request body is nested too deeply.")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed") else ""
    return respond(request, exc.status_code, detail, headers=dict(exc.headers or {}))


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    extra = {"errors": exc.errors} if exc.errors else None
    headers = dict(getattr(exc, "headers", None) or {})  # e.g. WWW-Authenticate on a 401
    if _is_api(request):
        return respond(request, exc.status, exc.detail, heading=exc.title, headers=headers, extra=extra)
    return respond(request, exc.status, exc.detail, paragraphs=[exc.detail] if exc.status != 404 else None,
                   headers=headers)


async def rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    minutes = max(1, round(exc.retry_after_seconds / 60))
    wait = f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    return respond(request, 429, wait, paragraphs=[wait, "Your answers have been kept."],
                   headers={"Retry-After": str(exc.retry_after_seconds)})


#: What a person or client is told to wait, in seconds, when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (down, restarting, connection cut), rather
    than that a statement was wrong: an OperationalError or InterfaceError, or any driver error that made
    SQLAlchemy throw the connection away (``connection_invalidated``). Those are 503s that a retry mends."""
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


async def unavailable(request: Request, exc: Exception) -> Response:
    """The GOV.UK 503 page (or a 503 problem under the API) with Retry-After, for a database out of reach;
    any other driver error is a fault of ours, the 500 page."""
    if not database_unavailable(exc):
        return await server_error(request, exc)
    log.error("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return respond(request, 503, "The database is unavailable.", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def stale(request: Request, exc: Exception) -> Response:
    """Two people changed the same thing at once: the second is told, nothing is half-saved."""
    return respond(request, 409, "Someone else changed this at the same time. Reload the page and try again.")


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    if database_unavailable(exc):  # raised where no handler of the app's could take it (a middleware)
        return await unavailable(request, exc)
    return respond(request, 500, "An unexpected error happened.")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception,
    DomainError: domain_error,
    RateLimited: rate_limited,
    DBAPIError: unavailable,
    StaleDataError: stale,
    Exception: server_error,
}
