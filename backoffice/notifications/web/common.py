"""What the notification pages share: the redirect that says a change was saved (forms: shared.web.forms)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from shared.web import RequestContext


def saved_redirect(ctx: RequestContext, name: str, **params: Any) -> Response:
    response = ctx.redirect(name, **params)
    response.headers["location"] += "?saved=yes"
    return response
