"""What every Secure Share page shares: the link's token, the signed-in session, and how a share that
has ended, an unknown link or a lapsed session is answered on every address of the share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from starlette.responses import RedirectResponse, Response

from backoffice.public import NotSignedIn, RequesterShare, ShareGone, signed_in_share
from secureshare.web import cookies
from shared.errors import NotFound
from shared.web import RequestContext

Handler = Callable[[RequestContext], Response]

OTHER_TYPE = "application/octet-stream"


def token_of(ctx: RequestContext) -> str:
    return str(ctx.request.path_params["token"])


def session_of(ctx: RequestContext) -> str:
    """The session token from the cookie, or "" (which no session matches) when there is none or it lapsed."""
    return cookies.session_token(ctx.request, ctx.settings) or ""


def signed_in(ctx: RequestContext) -> RequesterShare:
    """The share this request's cookie is signed in to; ``NotSignedIn``, ``ShareGone`` or ``NotFound`` else."""
    return signed_in_share(ctx.db, token_of(ctx), session_of(ctx))


def keep(ctx: RequestContext, response: Response) -> Response:
    """The response of a signed-in request, with the cookie signed again (the idle limit starts over)."""
    token = session_of(ctx)
    return cookies.keep_signed_in(response, ctx.request, ctx.settings, token) if token else response


def share_address(handler: Handler) -> Handler:
    """Every address of a share answers the same way when the share or the session will not do:

    - an unknown or malformed token (or a document that is not this share's): the 404 page;
    - a share that expired, was withdrawn or removed: the 410 page naming the body and the case;
    - a lapsed or ended session (idle, 12 hours, signed out): back to "Confirm your email address".
    The cookie is cleared when the share or the session has ended: it opens nothing any more.
    """

    @wraps(handler)
    def guarded(ctx: RequestContext) -> Response:
        try:
            return handler(ctx)
        except NotFound as missing:  # the cookie stays: another document's address signs nobody out
            return ctx.render("secureshare/not_found.html", {"detail": missing.detail}, status_code=404)
        except ShareGone as gone:
            response: Response = ctx.render("secureshare/gone.html", {"ended": gone.ended}, status_code=410)
        except NotSignedIn:
            response = RedirectResponse(ctx.path_for("share", token=token_of(ctx)), status_code=303)
        if cookies.COOKIE in ctx.request.cookies:
            cookies.forget(response, ctx.request, ctx.settings)
        return response

    return guarded
