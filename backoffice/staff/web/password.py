"""Forgotten password: ask for a link, check your email, choose a new password, done."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from backoffice.staff import password_reset
from backoffice.staff.accounts import MIN_PASSWORD_LENGTH, normalise_email
from backoffice.staff.password_reset import ResetLinkInvalid
from backoffice.staff.web.forms import limit, origin
from backoffice.staff.web.redirects import BACKOFFICE_MOUNT
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import email_error, error_summary

IP_LIMIT = (10, 15)
EMAIL_LIMIT = (3, 15)


def forgotten(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return ctx.render("backoffice/staff/forgotten_password.html", {"email": ""})
    limit(ctx, "staff-reset-ip", *IP_LIMIT, ctx.ip)
    email = ctx.field("email").strip()
    if problem := email_error(email):
        context = {"email": email, **error_summary({"email": problem}, ("email",))}
        return ctx.render("backoffice/staff/forgotten_password.html", context, status_code=422)
    limit(ctx, "staff-reset-email", *EMAIL_LIMIT, normalise_email(email))

    def link_for(token: str) -> str:
        path = str(ctx.request.app.url_path_for("staff-new-password"))
        return ctx.settings.url(BACKOFFICE_MOUNT + path) + "?" + urlencode({"token": token})

    password_reset.request_reset(ctx.db, email, link_for=link_for, origin=origin(ctx),
                                 service_name=ctx.request.app.state.shell.service_name)
    return ctx.redirect("staff-check-email")


def check_email(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/staff/check_email.html", {"minutes": _minutes()})


def new_password(ctx: RequestContext) -> Response:
    """GET only looks the link up (mail scanners open links); POST uses it."""
    if ctx.is_read:
        token = ctx.request.query_params.get("token", "")
        try:
            password_reset.find_valid_token(ctx.db, token)
        except ResetLinkInvalid:
            return _expired(ctx)
        return _form(ctx, token)
    token = ctx.field("token")
    try:
        password_reset.reset_password(ctx.db, token, ctx.field("password"), ctx.field("confirm_password"),
                                      origin=origin(ctx), service_name=ctx.request.app.state.shell.service_name)
    except ResetLinkInvalid:
        return _expired(ctx)
    except InvalidInput as exc:
        return _form(ctx, token, exc.errors, status=422)
    ctx.request.session.clear()
    return ctx.redirect("staff-password-changed")


def password_changed(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/staff/password_changed.html")


def _form(ctx: RequestContext, token: str, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    context = {"token": token, "min_length": MIN_PASSWORD_LENGTH,
               **error_summary(errors or {}, ("password", "confirm_password"))}
    return ctx.render("backoffice/staff/new_password.html", context, status_code=status)


def _expired(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/staff/link_expired.html", {"minutes": _minutes()}, status_code=ResetLinkInvalid.status)


def _minutes() -> int:
    return int(password_reset.LINK_LIFETIME.total_seconds() // 60)
