"""What every log page shares: a response's address answering 410 once withdrawn, types and sizes in
words, and the absolute addresses feeds and structured data need."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.responses import Response

from backoffice.public import ResponseWithdrawn
from shared.errors import NotFound
from shared.web import RequestContext

Handler = Callable[[RequestContext], Response]



def day_in_words(day: dt.date | dt.datetime | None) -> str:
    """``2 December 2026`` (an instant is the London day it fell on)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        from zoneinfo import ZoneInfo

        day = day.astimezone(ZoneInfo("Europe/London")).date()
    return f"{day.day} {day:%B %Y}"


def reference_of(ctx: RequestContext) -> str:
    return str(ctx.request.path_params["reference"])


def absolute(ctx: RequestContext, name: str, **params: Any) -> str:
    """BASE_URL and the page's path: what a feed or a sitemap must give (never the Host a client sent)."""
    return ctx.settings.url(ctx.path_for(name, **params))


def response_path(ctx: RequestContext, reference: str) -> str:
    return ctx.path_for("response", reference=reference)


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: nothing in it can end the element or start markup."""
    text = json.dumps(data, ensure_ascii=False, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))  # noqa: S704 - escaped above


def disposition(name: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the exact name as ``filename*``."""
    shown = name or "document"
    ascii_name = shown.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip() or "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(shown, safe='')}"


def response_address(handler: Handler) -> Handler:
    """A response's page and its documents: 404 when nothing public has the reference, 410 once withdrawn."""

    @wraps(handler)
    def guarded(ctx: RequestContext) -> Response:
        try:
            return handler(ctx)
        except ResponseWithdrawn as gone:
            return ctx.render("disclosurelog/gone.html", {"gone": gone}, status_code=410)
        except NotFound as missing:
            return ctx.render("disclosurelog/not_found.html", {"detail": missing.detail}, status_code=404)

    return guarded
