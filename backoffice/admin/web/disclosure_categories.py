"""The Disclosure Log's categories: the list administrators keep, which caseworkers choose from when
publishing and the public browses by. A category is deactivated rather than deleted, so what was
published in it keeps its label."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from backoffice.admin.web.common import field_errors, path_int
from backoffice.disclosures import categories
from shared.errors import DomainError
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

TEMPLATE = "backoffice/admin/disclosure_categories.html"


def index(ctx: RequestContext, errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None) -> Response:
    context = {"categories": categories.categories(ctx.db), "values": dict(values or {})}
    return render_form(ctx, TEMPLATE, context, errors, ("name",))


def add(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return ctx.redirect("admin-disclosure-categories")
    name = ctx.field("name")
    try:
        with ctx.attempt():
            assert ctx.actor is not None
            categories.add_category(ctx.db, ctx.actor, name)
    except DomainError as exc:
        return index(ctx, field_errors(exc, "name"), {"name": name})
    return ctx.redirect("admin-disclosure-categories")


def set_active(ctx: RequestContext) -> Response:
    if not repeated(ctx):
        assert ctx.actor is not None
        categories.set_active(ctx.db, ctx.actor, path_int(ctx, "category_id"), ctx.field("active") == "yes")
    return ctx.redirect("admin-disclosure-categories")
