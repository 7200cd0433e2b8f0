"""Published answers that may help: the page after an FOI or EIR request's "What information do you want?",
the button that opens one in the Disclosure Log (and counts it), and the suggestions the page's script
shows below the text box as the requester types.

Without JavaScript the page is a step of its own, skipped when nothing matches; with it, the same
suggestions appear as the requester writes and the step is not shown again. What is searched, and the
links to the log, come from the core (``backoffice.public``): Capture never imports the log.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from backoffice.public import (
    offers_published_answers,
    published_answers,
    record_suggestion_followed,
    record_suggestions_shown,
)
from capture import answers as rules
from capture import drafts
from capture.web.common import limit, web_type
from capture.web.journey import description_page, next_url
from shared.errors import NotFound
from shared.web import RequestContext

#: A query's words past this are not searched (the core cuts them too); the rest of the URL is ignored.
MAX_QUERY = 1000
#: At least this many characters before the script asks: fewer find everything and help nobody.
MIN_QUERY = 3


def show(ctx: RequestContext) -> Response:
    """The page, with the draft's own words searched; straight on when nothing (or no longer anything) matches."""
    type_key = ctx.request.path_params["type_key"]
    _, definition = web_type(ctx, type_key)
    page = description_page(definition)
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    if page is None or draft is None or not rules.applies(page, draft.answers) \
            or not offers_published_answers(ctx.db, type_key):
        return ctx.redirect("type-start", type_key=type_key)
    question = definition.mapped("description")
    text = str(draft.answers.get(question.key, "")) if question is not None else ""
    if not text.strip():
        return ctx.redirect("question", type_key=type_key, page_key=page.key)
    found = published_answers(ctx.db, ctx.settings, text, type_key)
    onward = next_url(ctx, definition, draft, page)
    if not found:
        return RedirectResponse(onward, status_code=303)
    record_suggestions_shown(ctx.db, case_type_key=type_key, publication_ids=[a.publication_id for a in found],
                             draft_digest=draft.key_hash)
    return ctx.render("capture/published_answers.html", {
        "form": definition, "answers": found, "continue_url": onward,
        "back": ctx.path_for("question", type_key=type_key, page_key=page.key),
        "follow": ctx.path_for("follow-published-answer", type_key=type_key),
        "seconds_left": drafts.seconds_left(draft),
    })


def follow(ctx: RequestContext) -> Response:
    """Count the answer followed and open it in the log; an answer withdrawn since is the page again."""
    type_key = ctx.request.path_params["type_key"]
    limit(ctx, "answers-ip", ctx.ip)
    web_type(ctx, type_key)
    chosen = ctx.field("publication")
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    try:
        if not chosen.isdigit() or len(chosen) > 12:
            raise NotFound("No such response")
        url = record_suggestion_followed(ctx.db, ctx.settings, case_type_key=type_key, publication_id=int(chosen),
                                         draft_digest=draft.key_hash if draft is not None else "")
    except NotFound:
        return ctx.redirect("published-answers", type_key=type_key)
    return RedirectResponse(url, status_code=303)


def suggestions(ctx: RequestContext) -> Response:
    """``GET …/suggestions?q=words``: at most five ``{id, reference, title, url}``, for the page's script.

    Changes nothing but the address's count against its limit (so the route says ``writes_on_get``).
    """
    type_key = ctx.request.path_params["type_key"]
    web_type(ctx, type_key)
    limit(ctx, "suggest-ip", ctx.ip)
    query = ctx.request.query_params.get("q", "")[:MAX_QUERY]
    found = () if len(query.strip()) < MIN_QUERY else published_answers(ctx.db, ctx.settings, query, type_key)
    return ctx.json({"suggestions": [{"id": a.publication_id, "reference": a.reference, "title": a.title,
                                      "url": a.url} for a in found[:5]]},
                    headers={"Cache-Control": "no-store"})

