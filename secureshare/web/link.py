"""The emailed link: "Confirm your email address", and the POST that checks it and signs the requester in.

Opening the link (GET) changes nothing; a person's look is recorded in the history, a scanner's or a
prefetch's is not (``visitors``). Every outcome of the check comes back from the core as a record, and a
refusal's counting and history are kept (``ctx.keep_changes``) although the page says no.
"""

from __future__ import annotations

from starlette.responses import Response

from backoffice.public import NotSignedIn, confirm_share_email, record_share_opening, share_landing, signed_in_share
from secureshare.web import cookies
from secureshare.web.common import session_of, share_address, token_of
from secureshare.web.visitors import device_of, is_a_person
from shared.web import RequestContext
from shared.web.forms import error_summary

#: Longer than any email address (RFC 5321: 254); what is past it is not read.
EMAIL_MAX = 320


@share_address
def share(ctx: RequestContext) -> Response:
    token = token_of(ctx)
    if not ctx.is_read:
        return _confirm(ctx, token)
    landing = share_landing(ctx.db, token)
    if landing.locked:
        return ctx.render("secureshare/locked.html", {"reference": landing.reference}, status_code=423)
    if session_of(ctx):
        try:
            signed_in_share(ctx.db, token, session_of(ctx))
            return ctx.redirect("documents", token=token)
        except NotSignedIn:
            pass
    signed_out = ctx.request.query_params.get("signed-out") == "1"
    if is_a_person(ctx.request) and not signed_out:
        record_share_opening(ctx.db, token, device_of(ctx.request))
    return ctx.render("secureshare/confirm.html", {"landing": landing, "email": "", "signed_out": signed_out,
                                                   "token": token})


def _confirm(ctx: RequestContext, token: str) -> Response:
    email = ctx.field("email")[:EMAIL_MAX]
    outcome = confirm_share_email(ctx.db, token, email, ip=ctx.ip, device=device_of(ctx.request))
    if outcome.session_token is not None:
        response = ctx.redirect("documents", token=token)
        return cookies.keep_signed_in(response, ctx.request, ctx.settings, outcome.session_token)
    ctx.keep_changes()  # the failure, its count and its line in the history stand
    if outcome.locked:
        landing = share_landing(ctx.db, token)
        return ctx.render("secureshare/locked.html", {"reference": landing.reference}, status_code=423)
    if outcome.retry_after is not None:
        minutes = max(1, -(-outcome.retry_after // 60))
        refused = ctx.render("secureshare/too_many.html", {"minutes": minutes}, status_code=429)
        refused.headers["Retry-After"] = str(outcome.retry_after)
        return refused
    landing = share_landing(ctx.db, token)
    errors = error_summary({"email": outcome.error or "Enter the email address the documents were sent to"}, ["email"])
    return ctx.render("secureshare/confirm.html", {"landing": landing, "email": email, "signed_out": False,
                                                   "token": token, **errors}, status_code=422)
