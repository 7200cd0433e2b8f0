"""Groups: the list, creating one, and a group's members (add someone from a list, remove someone)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from backoffice.admin.web.common import chosen_id, field_errors, path_int
from backoffice.staff import groups
from backoffice.staff.accounts import list_users
from shared.errors import DomainError
from shared.web import RequestContext
from shared.web.forms import email_error, render_form, repeated

NEW_ORDER = ("name", "email")


def index(ctx: RequestContext) -> Response:
    return render_form(ctx, "backoffice/admin/groups.html", {"groups": groups.list_groups(ctx.db)})


def new(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return render_form(ctx, "backoffice/admin/group_new.html", {"values": {}})
    values = {name: ctx.field(name).strip() for name in NEW_ORDER}
    if repeated(ctx):
        return ctx.redirect("admin-groups")
    errors: dict[str, str] = {}
    email = values["email"]
    if (problem := email_error(email, missing=None)) is not None:  # optional: blank is no group address
        errors["email"] = problem
    if not errors:
        try:
            assert ctx.actor is not None
            group = groups.create_group(ctx.db, ctx.actor, values["name"], email or None)
        except DomainError as exc:
            errors = field_errors(exc, "name")
    if errors:
        return render_form(ctx, "backoffice/admin/group_new.html", {"values": values}, errors, NEW_ORDER)
    return ctx.redirect("admin-group", group_id=group.id)


def show(ctx: RequestContext, errors: Mapping[str, str] | None = None) -> Response:
    group = groups.get_group(ctx.db, path_int(ctx, "group_id"))
    members = groups.member_users(ctx.db, group.id)
    in_group = {user.id for user in members}
    candidates = [user for user in list_users(ctx.db, active_only=True) if user.id not in in_group]
    context = {"group": group, "members": members, "candidates": candidates}
    return render_form(ctx, "backoffice/admin/group.html", context, errors, ("user",))


def add_member(ctx: RequestContext) -> Response:
    group_id = path_int(ctx, "group_id")
    if repeated(ctx):
        return ctx.redirect("admin-group", group_id=group_id)
    offered = {user.id for user in list_users(ctx.db, active_only=True)}
    user_id = chosen_id(ctx.field("user"), offered)
    if user_id is None:
        return show(ctx, {"user": "Select the person to add"})
    try:
        assert ctx.actor is not None
        groups.add_member(ctx.db, ctx.actor, group_id, user_id)
    except DomainError as exc:
        return show(ctx, field_errors(exc, "user"))
    return ctx.redirect("admin-group", group_id=group_id)


def remove_member(ctx: RequestContext) -> Response:
    group_id = path_int(ctx, "group_id")
    if not repeated(ctx):
        assert ctx.actor is not None
        groups.get_group(ctx.db, group_id)
        groups.remove_member(ctx.db, ctx.actor, group_id, path_int(ctx, "user_id"))
    return ctx.redirect("admin-group", group_id=group_id)
