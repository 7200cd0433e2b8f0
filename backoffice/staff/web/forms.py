"""Small helpers the staff pages share: GOV.UK error context, rate limits, the audit origin."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from shared.audit import Actor
from shared.mail import address_error
from shared.ratelimit import Limit, enforce
from shared.web import RequestContext


def error_context(errors: Mapping[str, str], order: tuple[str, ...]) -> dict[str, Any]:
    """What the shared layout needs for the error summary: the messages in field order, each linked."""
    listed = [name for name in order if name in errors] + [name for name in errors if name not in order]
    return {"errors": dict(errors), "error_list": [{"text": errors[n], "href": f"#{n}"} for n in listed]}


def email_error(email: str) -> str | None:
    """The field error for a typed email address, by the mailer's own rule."""
    if not email:
        return "Enter your email address"
    return address_error(email)


def limit(ctx: RequestContext, name: str, count: int, minutes: int, subject: str) -> None:
    """Count one hit against a limit (own transaction); a 429 page when it is over.

    Call it before the request's own session touches the database: on SQLite
    that session's write lock would make the counter wait.
    """
    scaled = count * ctx.settings.rate_limit_scale
    enforce(ctx.runtime.factory, Limit(name, scaled, dt.timedelta(minutes=minutes)), subject)


def origin(ctx: RequestContext) -> Actor:
    """The audit actor of someone who has not signed in (yet)."""
    return Actor(type="staff", label="not signed in", ip=ctx.ip, request_id=ctx.request_id)


def start_browser_session(ctx: RequestContext, token: str) -> None:
    """A fresh cookie session holding only the new token, and a new CSRF token (no fixation)."""
    ctx.request.session.clear()
    ctx.request.session["staff_session"] = token
    ctx.request.session["csrf"] = secrets.token_urlsafe(32)
