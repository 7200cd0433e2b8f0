"""What the notification pages share: rendering with the error summary, and single-use form keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.staff.web.forms import error_context
from shared.idempotency import first_use
from shared.web import RequestContext


def render(ctx: RequestContext, template: str, context: Mapping[str, Any] | None = None,
           errors: Mapping[str, str] | None = None, order: tuple[str, ...] = ()) -> Response:
    """A page with errors answers 422, so nothing half-done is committed."""
    values = {**error_context(errors or {}, order), **dict(context or {})}
    return ctx.render(template, values, status_code=422 if errors else 200)


def repeated(ctx: RequestContext) -> bool:
    """A double click or a resubmitted form: the second one does nothing."""
    return not first_use(ctx.db, ctx.field("idempotency_key") or None)


def saved_redirect(ctx: RequestContext, name: str, **params: Any) -> Response:
    response = ctx.redirect(name, **params)
    response.headers["location"] += "?saved=yes"
    return response
