"""Security headers and request ids, as plain ASGI middleware.

A fresh CSP nonce per request lets the GOV.UK template's one inline script run
without ``unsafe-inline``; everything else is served from our own origin.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import Settings

access_log = logging.getLogger("civic.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

#: Browser features no page of the suite uses, denied to it and to anything it might embed (GOV.UK
#: Notify's set, and the rest of the powerful features a page could ask for).
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "sync-xhr", "usb", "xr-spatial-tracking",
))

#: A path segment or query value that is a secret: a link's or a session's token is 32 or more URL-safe
#: characters (``secrets.token_urlsafe(32)`` gives 43), far longer than any reference or word in a path.
_SECRET_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{32,}(?=[/?#]|$)")
_SECRET_QUERY = re.compile(r"(?i)(?<=[?&])(token|key|code|state)=[^&#\s]*")
REDACTED = "[redacted]"


def redact_secrets(text: str) -> str:
    """``/secure-share/s/<token>/documents`` as ``/secure-share/s/[redacted]/documents``, and a ``token=``
    in a query string likewise: what a log line may keep of an address that carries a secret.

    Why by shape rather than by route: logging happens outside the apps (uvicorn's access log names the raw
    path), and a secret is recognisable by its length alone, so a new app's link is covered without a list.
    """
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}={REDACTED}", _SECRET_SEGMENT.sub(REDACTED, text))


class RedactSecrets(logging.Filter):
    """A logging filter that takes link tokens out of a record before any handler writes it.

    On uvicorn's access log (``shared.serve.log_config``) the path is one of the record's arguments;
    on any other record the message is redacted too. It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact_secrets(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        return True


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = settings.is_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A response with its own policy keeps it: a download's "sandbox" is stricter than any page's.
                headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                # A page may ask for a stricter policy (Secure Share's "no-referrer"); none asks for a looser one.
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers["Permissions-Policy"] = PERMISSIONS_POLICY
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Cross-Origin-Resource-Policy"] = "same-origin"
                if "/assets/" in path or "/static/" in path:
                    headers.setdefault("Cache-Control", "public, max-age=3600")
                else:
                    headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestIdMiddleware:
    """Give every request an id, echo it back, and log one JSON line per request."""

    def __init__(self, app: ASGIApp, app_key: str) -> None:
        self.app = app
        self.app_key = app_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "event": "request",
                        "app": self.app_key,
                        "request_id": request_id,
                        "method": scope.get("method"),
                        "path": redact_secrets(str(scope.get("path", ""))),
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
            )
