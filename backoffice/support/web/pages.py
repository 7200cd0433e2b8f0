"""The support pages: raise a request (with help articles suggested as it is typed, or on asking without
JavaScript), follow it, check it with an access key, and the help articles administrators keep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from backoffice.casework.web.common import flash, pop_flash
from backoffice.staff.access import current_user
from backoffice.staff.web.forms import limit
from backoffice.support import help as articles
from backoffice.support import requests as support
from shared.errors import DomainError, InvalidInput
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

NEW = "backoffice/support/new.html"
ORDER = ("kind", "subject", "details")
#: Checking by access key is open to anyone: a stranger may not guess keys at speed.
CHECK_LIMIT = (20, 15)


def _user_actor(ctx: RequestContext) -> Any:
    assert ctx.actor is not None
    return ctx.actor


def index(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    return ctx.render("backoffice/support/index.html", {
        "requests": support.requests_for(ctx.db, user), "desk": support.is_desk(user), "kinds": support.KINDS,
        "statuses": support.STATUS_NAMES, "flash": pop_flash(ctx)})


def _new_page(ctx: RequestContext, values: Mapping[str, str], errors: Mapping[str, str] | None = None,
              suggestions: list[articles.Suggestion] | None = None, asked: bool = False) -> Response:
    return render_form(ctx, NEW, {"values": dict(values), "kinds": support.KINDS, "hints": support.KIND_HINTS,
                                  "suggestions": suggestions or [], "asked": asked}, errors, ORDER)


def new(ctx: RequestContext) -> Response:
    return _new_page(ctx, {"kind": "", "subject": "", "details": ""})


def create(ctx: RequestContext) -> Response:
    values = {name: ctx.field(name) for name in ("kind", "subject", "details")}
    if ctx.field("action") == "check":  # without JavaScript: the articles for what is written so far
        return _new_page(ctx, values, suggestions=articles.suggest(ctx.db, f"{values['subject']} {values['details']}"),
                         asked=True)
    if repeated(ctx):
        return ctx.redirect("support")
    shown = ctx.field("shown")
    try:
        with ctx.attempt():
            request, key = support.raise_request(ctx.db, _user_actor(ctx), ctx.settings, current_user(ctx),
                                                 articles_shown=int(shown) if shown.isdigit() else 0, **values)
    except DomainError as exc:
        return _new_page(ctx, values, exc.errors or {"subject": exc.detail})
    return ctx.render("backoffice/support/sent.html", {"ticket": request, "key": key,
                                                       "kind": support.KINDS[request.kind]})


def suggestions(ctx: RequestContext) -> Response:
    found = articles.suggest(ctx.db, ctx.request.query_params.get("q", "")[:5000])
    return ctx.json({"suggestions": [{"id": s.id, "title": s.title, "summary": s.summary,
                                      "url": ctx.path_for("support-article", article_id=s.id)} for s in found]})


def _request_page(ctx: RequestContext, reference: str, errors: Mapping[str, str] | None = None,
                  text: str = "") -> Response:
    user = current_user(ctx)
    request = support.visible_request(ctx.db, user, reference)
    return render_form(ctx, "backoffice/support/request.html", {
        "ticket": request, "updates": support.updates_of(ctx.db, request), "kind": support.KINDS[request.kind],
        "status": support.STATUS_NAMES[request.status], "desk": support.is_desk(user),
        "mine": request.raised_by_id == user.id, "text": text, "flash": pop_flash(ctx)}, errors, ("text",))


def show(ctx: RequestContext) -> Response:
    return _request_page(ctx, ctx.request.path_params["reference"])


def update(ctx: RequestContext) -> Response:
    reference = ctx.request.path_params["reference"]
    if repeated(ctx):
        return ctx.redirect("support-request", reference=reference)
    text = ctx.field("text")
    try:
        with ctx.attempt():
            request = support.visible_request(ctx.db, current_user(ctx), reference)
            support.add_update(ctx.db, _user_actor(ctx), current_user(ctx), request, text,
                               close=ctx.field("close") == "yes")
    except InvalidInput as exc:
        return _request_page(ctx, reference, exc.errors, text)
    flash(ctx, "Update added")
    return ctx.redirect("support-request", reference=reference)


def check(ctx: RequestContext) -> Response:
    return render_form(ctx, "backoffice/support/check.html", {"values": {}, "found": None})


def check_key(ctx: RequestContext) -> Response:
    limit(ctx, "support-check-ip", *CHECK_LIMIT, ctx.ip)
    values = {"reference": ctx.field("reference"), "key": ""}
    try:
        found = support.with_key(ctx.db, values["reference"], ctx.field("key"))
    except InvalidInput as exc:
        return render_form(ctx, "backoffice/support/check.html", {"values": values, "found": None}, exc.errors,
                           ("reference", "key"))
    return ctx.render("backoffice/support/check.html", {
        "values": values, "found": found, "updates": support.updates_of(ctx.db, found),
        "status": support.STATUS_NAMES[found.status], "kind": support.KINDS[found.kind]})


def help_index(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/support/help_index.html", {"articles": articles.articles(ctx.db),
                                                             "desk": support.is_desk(current_user(ctx)),
                                                             "flash": pop_flash(ctx)})


def article(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/support/article.html", {
        "article": articles.get_article(ctx.db, ctx.request.path_params["article_id"]),
        "desk": support.is_desk(current_user(ctx))})


def _edit_page(ctx: RequestContext, values: Mapping[str, str], article_id: int | None,
               errors: Mapping[str, str] | None = None) -> Response:
    return render_form(ctx, "backoffice/support/article_form.html", {"values": dict(values), "article_id": article_id},
                       errors, ("title", "body"))


def edit(ctx: RequestContext) -> Response:
    article_id = ctx.request.path_params.get("article_id")
    if article_id is None:
        return _edit_page(ctx, {"title": "", "body": ""}, None)
    found = articles.get_article(ctx.db, article_id)
    return _edit_page(ctx, {"title": found.title, "body": found.body}, found.id)


def save(ctx: RequestContext) -> Response:
    article_id = ctx.request.path_params.get("article_id")
    if repeated(ctx):
        return ctx.redirect("support-help")
    values = {"title": ctx.field("title"), "body": ctx.field("body")}
    try:
        with ctx.attempt():
            saved = articles.save_article(ctx.db, _user_actor(ctx), article_id, values["title"], values["body"])
    except InvalidInput as exc:
        return _edit_page(ctx, values, article_id, exc.errors)
    flash(ctx, f"Saved “{saved.title}”")
    return ctx.redirect("support-help")


def delete(ctx: RequestContext) -> Response:
    if not repeated(ctx):
        articles.delete_article(ctx.db, _user_actor(ctx), ctx.request.path_params["article_id"])
        flash(ctx, "Article deleted")
    return ctx.redirect("support-help")
