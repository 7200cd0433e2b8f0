"""Sending people who are not signed in to the sign-in page, and back again safely."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from starlette.exceptions import HTTPException

from backoffice.casework.urls import MOUNT
from shared.web import RequestContext

#: The back office's mount (links in emails and the OIDC callback are BASE_URL plus it).
BACKOFFICE_MOUNT = MOUNT
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


class SignInRequired(HTTPException):
    """A 303 to the sign-in page; the shared handler keeps the Location header.

    Raised from an access check, which runs before any handler and cannot
    return a response of its own.
    """

    def __init__(self, location: str) -> None:
        super().__init__(status_code=303, detail="Sign in to continue", headers={"Location": location})


def root_path(ctx: RequestContext) -> str:
    return str(ctx.request.scope.get("root_path", ""))


def current_location(ctx: RequestContext) -> str:
    """Where the person is now, as a local path (with the mount prefix and the query)."""
    root = root_path(ctx)
    path = root + ctx.request.url.path.removeprefix(root)
    query = ctx.request.url.query
    return path + ("?" + query if query else "")


def sign_in_location(ctx: RequestContext) -> str:
    """The sign-in page, remembering where to come back to after a GET (never after a POST)."""
    target = ctx.path_for("staff-sign-in")
    if ctx.request.method in ("GET", "HEAD"):
        return target + "?" + urlencode({"next": current_location(ctx)})
    return target


def safe_next(value: str | None, root: str) -> str | None:
    """``value`` when it is a path inside this app; None for anything that could leave it.

    Refuses absolute and scheme-relative URLs (``//evil``), backslashes (which
    browsers treat as slashes) and control characters.
    """
    if not value or len(value) > 2000 or _UNSAFE.search(value):
        return None
    if not value.startswith("/") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    if root and not (parts.path == root or parts.path.startswith(root + "/")):
        return None
    return value


def external_url(ctx: RequestContext, name: str) -> str:
    """An absolute address of one of our pages for an email or an identity provider."""
    return ctx.settings.url(BACKOFFICE_MOUNT + str(ctx.request.app.url_path_for(name)))
