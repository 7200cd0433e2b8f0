"""The requester's sign-in cookie: the server session's token, signed with the time it was last used.

The session itself lives in the database (``backoffice.public``: it ends on sign-out, after 12 hours and
at the share's expiry). The 30-minute idle limit is the cookie's: its value is signed with a timestamp
(``itsdangerous.TimestampSigner``, keyed from ``SECRET_KEY`` with a salt of its own, so no other signed
value of the suite can stand in for it) and every signed-in page signs it again with the time now. A
cookie older than the limit is refused, so reading a page writes nothing to the database.

Flags: ``HttpOnly``; ``Secure`` when BASE_URL is https; ``SameSite=Strict`` (a link from elsewhere
arrives signed out, so a cross-site page cannot make a signed-in request); ``Path`` the app's mount.
"""

from __future__ import annotations

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import Response

from backoffice.public import SHARE_IDLE_LIMIT
from shared.settings import Settings

COOKIE = "civic_share_session"
SALT = "civic.secureshare.session"
IDLE_SECONDS = int(SHARE_IDLE_LIMIT.total_seconds())
#: A session token is 43 characters; a signed value is that, a timestamp and a signature. Longer is not ours.
_MAX_VALUE = 200


def _signer(settings: Settings) -> TimestampSigner:
    return TimestampSigner(settings.secret_key, salt=SALT)


def _path(request: Request) -> str:
    """The app's own path (``/secure-share/``; ``/`` when it runs on its own host)."""
    return request.scope.get("root_path", "").rstrip("/") + "/"


def session_token(request: Request, settings: Settings) -> str | None:
    """The session token in the cookie when its signature holds and it was used in the last 30 minutes."""
    value = request.cookies.get(COOKIE, "")
    if not value or len(value) > _MAX_VALUE:
        return None
    try:
        return _signer(settings).unsign(value, max_age=IDLE_SECONDS).decode()
    except (BadSignature, UnicodeDecodeError):  # tampered, another key, or idle too long (SignatureExpired)
        return None


def keep_signed_in(response: Response, request: Request, settings: Settings, token: str) -> Response:
    """Sign the token again with the time now: every signed-in response restarts the idle limit."""
    response.set_cookie(COOKIE, _signer(settings).sign(token).decode(), max_age=IDLE_SECONDS, path=_path(request),
                        secure=settings.is_https, httponly=True, samesite="strict")
    return response


def forget(response: Response, request: Request, settings: Settings) -> Response:
    response.delete_cookie(COOKIE, path=_path(request), secure=settings.is_https, httponly=True, samesite="strict")
    return response
