"""Check the progress of a request: reference and email address, an emailed link, then the status.

The page and the email-sent message are the same whether or not the reference
belongs to that address; only a matching pair gets an email. So the form
cannot be used to find out which references exist or whose they are.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from backoffice.public import REFERENCE, find_for_requester, normalise_reference
from capture.answers import clean
from capture.drafts import PROGRESS
from capture.web.common import email_link, limit
from shared import links
from shared.db import utcnow
from shared.mail import send_email
from shared.web import RequestContext
from shared.web.forms import email_error, error_summary

SESSION_KEY = "capture_progress"
VIEW_FOR = dt.timedelta(hours=1)
_CASE = "case:"


def case_subject(reference: str) -> str:
    """The case as the subject of its progress links."""
    return _CASE + reference


def start(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return ctx.render("capture/progress_start.html", {"reference": "", "email": ""})
    limit(ctx, "progress-ip", ctx.ip)
    reference, email = clean(ctx.field("reference"))[:40], clean(ctx.field("email"))[:300]
    errors: dict[str, str] = {}
    if not reference:
        errors["reference"] = "Enter your reference number"
    elif not REFERENCE.match(normalise_reference(reference)):
        errors["reference"] = "Enter your reference number in the correct format, like FOI-2026-00012"
    if (problem := email_error(email)) is not None:
        errors["email"] = problem
    if errors:
        context = {"reference": reference, "email": email, **error_summary(errors, ["reference", "email"])}
        return ctx.render("capture/progress_start.html", context, status_code=422)
    limit(ctx, "progress-email", email.lower())
    view = find_for_requester(ctx.db, reference, email)
    if view is not None:
        token = links.issue(ctx.db, PROGRESS, case_subject(view.reference), email.lower(), per_address=True)
        body = (
            f"To see the progress of your request {view.reference}, open this link:\n\n"
            f"{email_link(ctx, 'progress-view', token)}\n\n"
            "The link works once and expires in 24 hours.\n\n"
            "If you did not ask to check the progress of a request, you can ignore this email.\n"
        )
        send_email(ctx.db, email, f"Check the progress of your request {view.reference}", body,
                   related_type="case", related_id=view.reference)
    ctx.request.session["capture_progress_email"] = email
    return ctx.redirect("progress-check-email")


def check_email(ctx: RequestContext) -> Response:
    return ctx.render("capture/progress_check_email.html", {"email": ctx.request.session.get("capture_progress_email")})


def view(ctx: RequestContext) -> Response:
    """GET shows a button (mail scanners open links); the POST uses the link and opens the status page."""
    if ctx.is_read:
        token = ctx.request.query_params.get("token", "")
        try:
            links.find(ctx.db, PROGRESS, token)
        except links.LinkInvalid as exc:
            return _problem(ctx, exc)
        return ctx.render("capture/progress_open.html", {"token": token})
    limit(ctx, "confirm-ip", ctx.ip)
    try:
        link = links.use(ctx.db, PROGRESS, ctx.field("token"))
    except links.LinkInvalid as exc:
        return _problem(ctx, exc)
    ctx.request.session[SESSION_KEY] = {"reference": link.subject.removeprefix(_CASE), "email": link.email,
                                        "until": (utcnow() + VIEW_FOR).isoformat()}
    return ctx.redirect("progress-status")


def _problem(ctx: RequestContext, exc: links.LinkInvalid) -> Response:
    status = 404 if exc.problem is links.Problem.UNKNOWN else 410
    return ctx.render("capture/progress_link_problem.html", {"problem": exc.problem.value}, status_code=status)


def status(ctx: RequestContext) -> Response:
    seen = ctx.request.session.get(SESSION_KEY)
    if not isinstance(seen, dict) or dt.datetime.fromisoformat(str(seen.get("until"))) < utcnow():
        ctx.request.session.pop(SESSION_KEY, None)
        return ctx.redirect("progress")
    found = find_for_requester(ctx.db, str(seen.get("reference", "")), str(seen.get("email", "")))
    if found is None:
        return ctx.redirect("progress")
    return ctx.render("capture/progress_status.html", {"view": found, "email": seen.get("email")})
