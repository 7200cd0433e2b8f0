"""The staff-access routes, for ``backoffice.web.routes()``."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.staff.access import STAFF
from backoffice.staff.oidc import OidcConfig
from backoffice.staff.web import password, sign_in, sso
from shared.settings import Settings
from shared.web import PUBLIC, page

FORM = ("GET", "POST")


def staff_routes(settings: Settings | None = None) -> list[BaseRoute]:
    """Every staff-access page. With ``settings`` and no OIDC configured, the SSO routes are left out;
    without settings they are present but answer 404 until OIDC is configured.
    """
    routes: list[BaseRoute] = [
        page("/sign-in", sign_in.sign_in, name="staff-sign-in", access=PUBLIC, methods=FORM),
        page("/sign-out", sign_in.sign_out, name="staff-sign-out", access=STAFF, methods=("POST",)),
        page("/sign-out-everywhere", sign_in.sign_out_everywhere, name="staff-sign-out-everywhere", access=STAFF,
             methods=FORM),
        page("/signed-out", sign_in.signed_out, name="staff-signed-out", access=PUBLIC),
        page("/password/forgotten", password.forgotten, name="staff-forgotten-password", access=PUBLIC, methods=FORM),
        page("/password/check-your-email", password.check_email, name="staff-check-email", access=PUBLIC),
        page("/password/new", password.new_password, name="staff-new-password", access=PUBLIC, methods=FORM),
        page("/password/changed", password.password_changed, name="staff-password-changed", access=PUBLIC),
    ]
    if settings is None or OidcConfig.from_settings(settings) is not None:
        routes += [
            page("/sign-in/sso", sso.start, name="staff-sso", access=PUBLIC, writes_on_get=True),
            page("/sign-in/sso/callback", sso.callback, name="staff-sso-callback", access=PUBLIC,
                 writes_on_get=True),
        ]
    return routes
