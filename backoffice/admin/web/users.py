"""Staff accounts: the list, creating one, changing a role, deactivating and reactivating.

A new person either gets an initial password from the administrator or an
email with a single-use link to choose their own (the forgotten-password link,
so it expires in an hour and a newer one replaces it; send another from their page).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from backoffice.admin.web.common import field_errors, path_int
from backoffice.organisation.body import allowed_staff_domains
from backoffice.staff import accounts, password_reset
from backoffice.staff.accounts import Role
from backoffice.staff.groups import get_group, group_ids_of
from backoffice.staff.web.redirects import BACKOFFICE_MOUNT
from shared.errors import DomainError
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

NEW_ORDER = ("name", "email", "role", "setup", "password")
ROLES = [(Role.ADMINISTRATOR, "Administrator", "Changes settings, case types, groups and accounts, and sees every case."),
         (Role.MANAGER, "Manager", "Assigns and reopens cases, and imports and exports them."),
         (Role.CASEWORKER, "Caseworker", "Works the cases of their groups."),
         (Role.READ_ONLY, "Read only", "Sees the cases of their groups but changes nothing.")]


def index(ctx: RequestContext) -> Response:
    return render_form(ctx, "backoffice/admin/users.html", {"users": accounts.list_users(ctx.db), "roles": ROLES})


def _send_link(ctx: RequestContext, email: str) -> None:
    def link_for(token: str) -> str:
        path = str(ctx.request.app.url_path_for("staff-new-password"))
        return ctx.settings.url(BACKOFFICE_MOUNT + path) + "?" + urlencode({"token": token})

    assert ctx.actor is not None
    password_reset.request_reset(ctx.db, email, link_for=link_for, origin=ctx.actor,
                                 service_name=ctx.request.app.state.shell.service_name)


def new(ctx: RequestContext) -> Response:
    context: dict[str, Any] = {"roles": ROLES, "domains": allowed_staff_domains(ctx.db)}
    if ctx.is_read:
        return render_form(ctx, "backoffice/admin/user_new.html", {**context, "values": {}})
    values = {name: ctx.field(name) for name in NEW_ORDER}
    if repeated(ctx):
        return ctx.redirect("admin-users")
    errors: dict[str, str] = {}
    if values["setup"] not in ("email", "password"):
        errors["setup"] = "Select how the person will get their password"
    elif values["setup"] == "password" and not values["password"]:
        errors["password"] = "Enter an initial password"  # noqa: S105 - a message, not a password
    password = values["password"] if values["setup"] == "password" else None
    try:
        assert ctx.actor is not None
        user = accounts.create_user(ctx.db, ctx.actor, email=values["email"], name=values["name"],
                                    role=values["role"], password=password or None,
                                    allowed_domains=allowed_staff_domains(ctx.db))
    except DomainError as exc:
        errors = {**field_errors(exc, "email"), **errors}
    if errors:
        values["password"] = ""  # never echo a password back into the page
        return render_form(ctx, "backoffice/admin/user_new.html", {**context, "values": values}, errors, NEW_ORDER)
    if values["setup"] == "email":
        _send_link(ctx, user.email)
        return _email_sent(ctx, user.id)
    return ctx.redirect("admin-user", user_id=user.id)


def _email_sent(ctx: RequestContext, user_id: int) -> Response:
    response = ctx.redirect("admin-user", user_id=user_id)
    response.headers["location"] += "?email=sent"
    return response


def show(ctx: RequestContext, errors: Mapping[str, str] | None = None) -> Response:
    person = accounts.get_user(ctx.db, path_int(ctx, "user_id"))
    groups = [get_group(ctx.db, group_id) for group_id in sorted(group_ids_of(ctx.db, person.id))]
    context = {"person": person, "groups": groups, "roles": ROLES,
               "email_sent": ctx.request.query_params.get("email") == "sent"}
    return render_form(ctx, "backoffice/admin/user.html", context, errors, ("role", "active"))


def change_role(ctx: RequestContext) -> Response:
    user_id = path_int(ctx, "user_id")
    if repeated(ctx):
        return ctx.redirect("admin-user", user_id=user_id)
    try:
        assert ctx.actor is not None
        accounts.change_role(ctx.db, ctx.actor, user_id, ctx.field("role"))
    except DomainError as exc:
        return show(ctx, field_errors(exc, "role"))
    return ctx.redirect("admin-user", user_id=user_id)


def set_active(ctx: RequestContext) -> Response:
    """Deactivating ends every session of the person at once (see ``accounts.deactivate_user``)."""
    user_id = path_int(ctx, "user_id")
    if repeated(ctx):
        return ctx.redirect("admin-user", user_id=user_id)
    try:
        assert ctx.actor is not None
        if ctx.field("active") == "no":
            accounts.deactivate_user(ctx.db, ctx.actor, user_id)
        else:
            accounts.reactivate_user(ctx.db, ctx.actor, user_id)
    except DomainError as exc:
        return show(ctx, field_errors(exc, "active"))
    return ctx.redirect("admin-user", user_id=user_id)


def send_password_email(ctx: RequestContext) -> Response:
    user_id = path_int(ctx, "user_id")
    if not repeated(ctx):
        _send_link(ctx, accounts.get_user(ctx.db, user_id).email)
    return _email_sent(ctx, user_id)
