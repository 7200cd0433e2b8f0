"""'What did you think of this service?': the GOV.UK satisfaction scale and a comment, kept anonymous."""

from __future__ import annotations

from starlette.responses import Response

from backoffice.public import COMMENT_MAX, RATINGS, record_feedback
from capture.answers import clean
from capture.web.common import is_bot, limit
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import error_summary


def feedback(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return _form(ctx, "", "", {})
    if is_bot(ctx):
        return ctx.redirect("feedback-thanks")
    limit(ctx, "feedback-ip", ctx.ip)
    rating, comment = ctx.field("rating")[:40], clean(ctx.field("comment"))
    sent = ctx.request.session.get("capture_sent")
    type_key = sent.get("type_key") if isinstance(sent, dict) else None
    try:
        record_feedback(ctx.db, service="capture", rating=rating, comment=comment, case_type_key=type_key)
    except InvalidInput as exc:
        return _form(ctx, rating, comment, exc.errors, status=422)
    return ctx.redirect("feedback-thanks")


def _form(ctx: RequestContext, rating: str, comment: str, errors: dict[str, str], status: int = 200) -> Response:
    return ctx.render("capture/feedback.html", {
        "ratings": RATINGS, "rating": rating, "comment": comment, "max": COMMENT_MAX,
        **error_summary(errors, ["rating", "comment"]),
    }, status_code=status)


def thanks(ctx: RequestContext) -> Response:
    return ctx.render("capture/feedback_thanks.html")
