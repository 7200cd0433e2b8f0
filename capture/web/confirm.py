"""The emailed link: a page to confirm (opening it changes nothing), the POST that sends, the confirmation."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from backoffice.public import intake_form, record_request_sent
from capture import drafts, submission
from capture.models import Draft
from capture.web.common import email_link, limit, requester
from shared import links
from shared.errors import DomainError, InvalidInput
from shared.web import RequestContext

SENT_KEY = "capture_sent"


def confirm(ctx: RequestContext) -> Response:
    if ctx.is_read:
        token = ctx.request.query_params.get("token", "")
        try:
            link = submission.usable_link(ctx.db, token)
        except links.LinkInvalid as exc:
            return _problem(ctx, exc, token)
        title = _form_title(ctx, drafts.draft_of(ctx.db, link))
        return ctx.render("capture/confirm.html", {"token": token, "email": link.email, "title": title})
    limit(ctx, "confirm-ip", ctx.ip)
    token = ctx.field("token")
    try:
        confirmed = submission.confirm(ctx.db, ctx.settings, token, requester(ctx))
    except links.LinkInvalid as exc:
        return _problem(ctx, exc, token)
    except InvalidInput as exc:
        return ctx.render("capture/not_sent.html", {"problems": list(exc.errors.values())}, status_code=422)
    case = confirmed.case
    sent_draft = ctx.db.scalar(select(Draft.key_hash).where(Draft.case_reference == case.reference))
    if sent_draft:  # for deflection's count of requests not sent after reading a published answer
        record_request_sent(ctx.db, draft_digest=sent_draft, case_type_key=case.type_key)
    ctx.request.session[SENT_KEY] = {
        "reference": case.reference, "due_on": case.due_on.isoformat() if case.due_on else None,
        "type_key": case.type_key, "type_name": case.type_name, "email": case.requester_email,
        "acknowledged": confirmed.acknowledged,
    }
    return ctx.redirect("sent")


def _form_title(ctx: RequestContext, draft: Draft | None) -> str:
    if draft is None:
        return "your request"
    try:
        return intake_form(ctx.db, draft.case_type_key).title
    except DomainError:
        return "your request"


def _problem(ctx: RequestContext, exc: links.LinkInvalid, token: str) -> Response:
    """A clear page for a link that cannot be used; a repeat of a click that worked goes to the confirmation."""
    draft = drafts.draft_of(ctx.db, exc.link) if exc.link is not None else None
    sent = ctx.request.session.get(SENT_KEY)
    if (exc.problem is links.Problem.USED and draft is not None and isinstance(sent, dict)
            and sent.get("reference") == draft.case_reference):
        return ctx.redirect("sent")
    renewable = exc.problem in (links.Problem.EXPIRED, links.Problem.REPLACED) and draft is not None \
        and draft.case_reference is None
    check_url = ctx.path_for("check-answers", type_key=draft.case_type_key) if draft is not None else None
    status = 404 if exc.problem is links.Problem.UNKNOWN else 410
    return ctx.render("capture/link_problem.html", {
        "problem": exc.problem.value, "token": token if renewable else "", "check_url": check_url,
        "reference": draft.case_reference if draft is not None and exc.problem is links.Problem.USED else None,
        "action": ctx.path_for("confirm-new-link"),
    }, status_code=status)


def new_link(ctx: RequestContext) -> Response:
    """An expired or replaced link's page offers a fresh link to the same address: nothing to type again.

    Only to the same address: a link whose draft now has another email answer gets no new link.
    """
    limit(ctx, "send-ip", ctx.ip)
    token = ctx.field("token")
    try:
        submission.usable_link(ctx.db, token)
        return RedirectResponse(ctx.path_for("confirm") + "?" + urlencode({"token": token}), status_code=303)
    except links.LinkInvalid as exc:
        old = exc.link
        draft = drafts.draft_of(ctx.db, old) if old is not None else None
        if old is None or exc.problem not in (links.Problem.EXPIRED, links.Problem.REPLACED) or draft is None \
                or draft.case_reference is not None:
            return _problem(ctx, exc, token)
    limit(ctx, "send-email", draft.email or old.email)
    definition = intake_form(ctx.db, draft.case_type_key)
    submission.send_confirmation(ctx.db, draft, definition, link_for=lambda t: email_link(ctx, "confirm", t),
                                 org_name=ctx.settings.org_name)
    return ctx.render("capture/link_sent_again.html", {"email": draft.email})


def sent(ctx: RequestContext) -> Response:
    """The confirmation page; it works when bookmarked because it reads the session, not the link."""
    info = ctx.request.session.get(SENT_KEY)
    if not isinstance(info, dict) or not info.get("reference"):
        return ctx.redirect("start")
    due = dt.date.fromisoformat(info["due_on"]) if info.get("due_on") else None
    return ctx.render("capture/sent.html", {"info": info, "due_on": due})

