"""Single sign-on pages: off (404) unless the OIDC settings are present."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from backoffice.staff import authentication, oidc
from backoffice.staff.oidc import OidcConfig, PendingSignIn, SsoFailed
from backoffice.staff.web.forms import origin, start_browser_session
from backoffice.staff.web.redirects import external_url, root_path, safe_next
from shared import audit
from shared.web import RequestContext

PENDING_KEY = "oidc_pending"


def _config(ctx: RequestContext) -> OidcConfig:
    config = OidcConfig.from_settings(ctx.settings)
    if config is None:
        raise HTTPException(status_code=404)
    return config


def start(ctx: RequestContext) -> Response:
    config = _config(ctx)
    next_path = safe_next(ctx.request.query_params.get("next"), root_path(ctx))
    try:
        url, pending = oidc.begin(config, external_url(ctx, "staff-sso-callback"), next_path)
    except SsoFailed as exc:
        return _failed(ctx, exc)
    ctx.request.session[PENDING_KEY] = pending.to_dict()
    return RedirectResponse(url, status_code=303)


def callback(ctx: RequestContext) -> Response:
    config = _config(ctx)
    pending = PendingSignIn.from_dict(ctx.request.session.pop(PENDING_KEY, None))
    try:
        identity = oidc.complete(config, external_url(ctx, "staff-sso-callback"), pending,
                                 dict(ctx.request.query_params))
    except SsoFailed as exc:
        return _failed(ctx, exc)
    user = authentication.active_user_for_sso(ctx.db, identity, origin(ctx))
    if user is None:
        ctx.keep_changes()  # the refusal is audited
        return ctx.render("backoffice/staff/sso_failed.html", {"reason": "no-account", "provider": config.provider_name},
                          status_code=403)
    token = authentication.open_session(ctx.db, user, origin(ctx), method="sso",
                                        user_agent=ctx.request.headers.get("user-agent"))
    start_browser_session(ctx, token)
    next_path = safe_next(pending.next_path if pending else None, root_path(ctx))
    return RedirectResponse(next_path or ctx.path_for("start"), status_code=303)


def _failed(ctx: RequestContext, exc: SsoFailed) -> Response:
    audit.record(ctx.db, origin(ctx), "staff.sso_failed", "staff_sign_in", "sso", "Single sign-on failed",
                 {"reason": exc.detail[:500]})
    config = OidcConfig.from_settings(ctx.settings)
    ctx.keep_changes()
    return ctx.render("backoffice/staff/sso_failed.html",
                      {"reason": "failed", "provider": config.provider_name if config else ""}, status_code=400)
