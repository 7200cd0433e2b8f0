"""Build one app's ASGI application from its route list: the only way apps are made."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.runtime import Runtime
from shared.settings import Settings
from shared.web import errors
from shared.web.bodies import BodyLimitMiddleware
from shared.web.health import HealthCache, healthz
from shared.web.proxies import TrustedProxyMiddleware
from shared.web.routing import PUBLIC, Access, Page, RequestContext, body_ceiling, page, share_paths
from shared.web.security import RequestIdMiddleware, SecurityHeadersMiddleware
from shared.web.templating import Shell, build_templates

REPO_ROOT = Path(__file__).resolve().parents[2]
GOVUK_DIST = REPO_ROOT / "govuk_assets" / "dist"
SHARED_STATIC = Path(__file__).resolve().parent.parent / "static"


def development_pages_available(settings: Settings) -> bool:
    """Development was chosen out loud (APP_ENV=development), not left to the default.

    A deployment that forgets APP_ENV gets the development default; it must not
    also get the pages meant only for a developer's own machine.
    """
    return settings.app_env == "development" and settings.app_env_set


def _development_only(ctx: RequestContext) -> None:
    if not development_pages_available(ctx.settings):
        raise HTTPException(status_code=404)


#: Pages for a developer's own machine: 404 unless APP_ENV=development was set explicitly.
DEVELOPMENT_ONLY = Access("development-only", check=_development_only)


def _static_page(template: str):  # type: ignore[no-untyped-def]
    def handler(ctx: RequestContext):  # type: ignore[no-untyped-def]
        return ctx.render(template)

    return handler


def _error_preview(ctx: RequestContext):  # type: ignore[no-untyped-def]
    """Lets designers and the e2e journeys see every error page without breaking anything."""
    status = int(ctx.request.path_params["status"])
    if status == 500:
        raise RuntimeError("error page preview")
    if status not in errors.PAGES:
        raise HTTPException(status_code=404)
    return errors.respond(ctx.request, status)


def shell_routes() -> list[Page]:
    return [
        page("/healthz", healthz, name="healthz", access=PUBLIC, api=True),  # for load balancers: JSON
        page("/accessibility", _static_page("shared/pages/accessibility.html"), name="accessibility", access=PUBLIC),
        page("/cookies", _static_page("shared/pages/cookies.html"), name="cookies", access=PUBLIC),
        page("/privacy", _static_page("shared/pages/privacy.html"), name="privacy", access=PUBLIC),
        page("/dev/errors/{status:id}", _error_preview, name="dev-error", access=DEVELOPMENT_ONLY),
    ]


class CatchAllMiddleware:
    """Turn any unhandled exception into the GOV.UK 500 page inside our header middleware.

    Starlette's own ServerErrorMiddleware sits outside every user middleware, so
    its responses would miss the security headers and the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await errors.server_error(Request(scope, receive), exc)
            await response(scope, receive, send)


#: Requests of one app that run at once in a process: anyio's own default, which every app shared before.
DEFAULT_THREADS = 40


def create_web_app(
    runtime: Runtime,
    *,
    shell: Shell,
    routes: Sequence[BaseRoute],
    templates_dir: Path | None,
    api_prefix: str | None = None,
    threads: int = DEFAULT_THREADS,
) -> Starlette:
    """The app of ``routes``; ``api_prefix`` (say ``/api``) is where its API's paths begin, so that a path under
    it that no route takes is answered as its API answers, with a problem document, not a GOV.UK page.

    ``threads``: how many of its requests run at once in a process (see :func:`shared.web.routing.thread_budget`)."""
    settings = runtime.settings
    all_routes: list[BaseRoute] = [
        *routes,
        *shell_routes(),
        Mount("/assets", app=StaticFiles(directory=GOVUK_DIST, check_dir=False), name="assets"),
        Mount("/static", app=StaticFiles(directory=SHARED_STATIC, check_dir=False), name="static"),
    ]
    share_paths(all_routes)
    handlers = dict(errors.EXCEPTION_HANDLERS)
    handlers.pop(Exception)
    app = Starlette(
        debug=False,
        routes=all_routes,
        middleware=[
            Middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies),
            Middleware(RequestIdMiddleware, app_key=shell.app_key),
            Middleware(SecurityHeadersMiddleware, settings=settings),
            Middleware(BodyLimitMiddleware, ceiling=body_ceiling(settings, all_routes),
                       grace_seconds=settings.body_grace_seconds),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=f"civic_{shell.app_key}",
                same_site="lax",
                https_only=settings.is_https,
            ),
            Middleware(CatchAllMiddleware),
        ],
        exception_handlers=handlers,
    )
    app.state.runtime = runtime
    app.state.shell = shell
    app.state.health = HealthCache()
    app.state.api_prefix = api_prefix
    app.state.threads = threads
    app.state.templates = build_templates(templates_dir, shell, settings.org_name, settings.brand)
    return app
