"""What capture's pages share: the case type and its form, limits, the honeypot (forms: shared.web.forms)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException

from backoffice.public import FormDefinition, WebCaseType, intake_form, web_case_type
from capture import limits
from shared.audit import Actor
from shared.ratelimit import count_all, peek_all, refusal, refuse_if_over
from shared.web import RequestContext

#: Capture's mount in the suite: links in emails are BASE_URL + this + the route, never the Host header.
MOUNT = "/capture"
#: A field people never see (the ``hidden`` attribute keeps it from screen readers and the tab order
#: too); bots that fill every field fill it, and are shown success while nothing is stored.
HONEYPOT = "website"


def web_type(ctx: RequestContext, key: str) -> tuple[WebCaseType, FormDefinition]:
    """A case type that takes web requests, with its form; anything else is a GOV.UK 404 page."""
    found = web_case_type(ctx.db, key)
    if found is None:
        raise HTTPException(status_code=404)
    return found, intake_form(ctx.db, found.key)


def limit(ctx: RequestContext, name: str, subject: str, *more: tuple[str, str]) -> None:
    """Count a hit (or several: ``("send-email", address)`` pairs after the first) and refuse with
    the GOV.UK 429 page when any is over its limit.

    Refused at once from the stored counts when already over; otherwise counted,
    and decided again exactly, at the end of the request, so the counter row
    that every request from one address shares is locked only briefly. The
    count stands whatever the request does, a refusal or a failure included.
    """
    hits = limits.resolve(ctx.runtime.factory, [(name, subject), *more])
    ctx.write_last(lambda session: refusal(count_all(session, hits)))
    refuse_if_over(peek_all(ctx.db, hits))


def email_link(ctx: RequestContext, route: str, token: str) -> str:
    path = str(ctx.request.app.url_path_for(route))
    return ctx.settings.url(MOUNT + path) + "?" + urlencode({"token": token})


def absolute(ctx: RequestContext, route: str, **params: Any) -> str:
    return ctx.settings.url(MOUNT + str(ctx.request.app.url_path_for(route, **params)))


def is_bot(ctx: RequestContext) -> bool:
    return bool(ctx.field(HONEYPOT).strip())


def requester(ctx: RequestContext, label: str = "member of the public") -> Actor:
    return ctx.anonymous_actor(label)


def size_label(limit: int) -> str:
    """``10MB`` or ``512KB``, as GOV.UK writes file sizes."""
    return f"{limit / 2**20:g}MB" if limit >= 2**20 else f"{max(1, limit // 1024)}KB"
