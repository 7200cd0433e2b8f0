"""Sign in with an email address and password, sign out, and sign out everywhere."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from backoffice.staff import authentication
from backoffice.staff.access import SESSION_KEY, current_session, current_user
from backoffice.staff.accounts import normalise_email
from backoffice.staff.authentication import GENERIC_FAILURE, staff_actor
from backoffice.staff.oidc import OidcConfig
from backoffice.staff.sessions import find_session, revoke, revoke_all
from backoffice.staff.web.forms import limit, origin, start_browser_session
from backoffice.staff.web.redirects import root_path, safe_next
from shared.web import RequestContext
from shared.web.forms import email_error, error_summary

#: Per address and per account: well above a person's mistakes, far below guessing.
IP_LIMIT = (20, 10)
EMAIL_LIMIT = (10, 10)


def _form(ctx: RequestContext, email: str, next_path: str | None, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    config = OidcConfig.from_settings(ctx.settings)
    context = {
        "email": email,
        "next": next_path,
        "sso_name": config.provider_name if config else None,
        "sso_href": (ctx.path_for("staff-sso") + ("?" + urlencode({"next": next_path}) if next_path else "")) if config else None,
        **error_summary(errors or {}, ("email", "password")),
    }
    return ctx.render("backoffice/staff/sign_in.html", context, status_code=status)


def sign_in(ctx: RequestContext) -> Response:
    if ctx.is_read:
        next_path = safe_next(ctx.request.query_params.get("next"), root_path(ctx))
        if find_session(ctx.db, ctx.request.session.get(SESSION_KEY)) is not None:
            return RedirectResponse(next_path or ctx.path_for("start"), status_code=303)
        return _form(ctx, "", next_path)
    limit(ctx, "staff-sign-in-ip", *IP_LIMIT, ctx.ip)
    email, password = ctx.field("email").strip(), ctx.field("password")
    next_path = safe_next(ctx.field("next"), root_path(ctx))
    errors: dict[str, str] = {}
    if problem := email_error(email):
        errors["email"] = problem
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a password
    if errors:
        return _form(ctx, email, next_path, errors, status=422)
    limit(ctx, "staff-sign-in-email", *EMAIL_LIMIT, normalise_email(email))
    outcome = authentication.check_password(ctx.db, email, password, origin(ctx))
    if outcome.user is None:
        ctx.keep_changes()  # the failure is counted and audited
        return _form(ctx, email, next_path, {"email": GENERIC_FAILURE}, status=422)
    token = authentication.open_session(ctx.db, outcome.user, origin(ctx), method="password",
                                        user_agent=ctx.request.headers.get("user-agent"))
    _end_previous(ctx)
    start_browser_session(ctx, token)
    return RedirectResponse(next_path or ctx.path_for("start"), status_code=303)


def _end_previous(ctx: RequestContext) -> None:
    """Signing in over an existing session (perhaps someone else's) ends that one."""
    found = find_session(ctx.db, ctx.request.session.get(SESSION_KEY))
    if found is not None:
        row, user = found
        revoke(ctx.db, row, staff_actor(user, origin(ctx)))


def sign_out(ctx: RequestContext) -> Response:
    revoke(ctx.db, current_session(ctx), ctx.actor or origin(ctx))
    ctx.request.session.clear()
    return ctx.redirect("staff-signed-out")


def sign_out_everywhere(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    if ctx.is_read:
        return ctx.render("backoffice/staff/sign_out_everywhere.html", {"user": user})
    revoke_all(ctx.db, user, ctx.actor or staff_actor(user, origin(ctx)), reason="signed out everywhere")
    ctx.request.session.clear()
    return ctx.redirect("staff-signed-out")


def signed_out(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/staff/signed_out.html")
