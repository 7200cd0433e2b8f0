"""The Disclosure Log in the API, the handlers ``web.py`` routes: publish a closed case's response in one
step, withdraw it, read it. The same domain as the case's publication page (``backoffice.disclosures``).

As for Secure Share, an API client is a trusted system acting with an administrator's permissions; the
case's state still decides (only a closed FOI or EIR case is published). Personal data found by the check
refuses the publication (422 with each finding in ``check``): nothing is stored, and a caseworker can
acknowledge findings on the case's page, where a check is kept.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.api.requests import actor_of, find_case, json_body
from backoffice.api.shares_web import as_trusted_system
from backoffice.disclosures import categories, checking, publishing
from backoffice.disclosures.models import Publication
from shared.errors import InvalidInput, NotFound
from shared.web import RequestContext
from shared.web.errors import problem


def _category_id(ctx: RequestContext, name: str | None) -> int | None:
    if not name:
        return None
    for category in categories.categories(ctx.db, active_only=True):
        if category.name.casefold() == name.strip().casefold():
            return category.id
    raise InvalidInput("There is no such category", {"category": "Category must be one of the disclosure log's "
                                                                  "categories"})


def publication_json(ctx: RequestContext, publication: Publication,
                     findings: list[checking.FindingView] | None = None) -> dict[str, Any]:
    views = checking.views(ctx.db, publication) if findings is None else findings
    category = categories.get_category(ctx.db, publication.category_id) if publication.category_id else None
    return {
        "id": publication.id, "url": publishing.response_url(ctx.settings, publication), "status": publication.status,
        "title": publication.title, "summary": publication.summary, "category": category.name if category else None,
        "documents": [{"id": d.id, "name": d.name, "content_type": d.content_type, "size": d.size,
                       "text": d.text_status} for d in publication.documents],
        "first_published_at": publication.first_published_at.isoformat() if publication.first_published_at else None,
        "updated_at": publication.updated_at.isoformat() if publication.updated_at else None,
        "withdrawn_at": publication.withdrawn_at.isoformat() if publication.withdrawn_at else None,
        "withdrawn_reason": publication.withdrawn_reason or None,
        "check": [view.as_dict() for view in views],
    }


def create_publication(ctx: RequestContext) -> Response:
    values = json_body(ctx, "PublicationCreate")
    case = find_case(ctx)
    user = as_trusted_system(ctx)
    try:
        with ctx.attempt():
            publication = publishing.prepare_and_publish(
                ctx.db, ctx.settings, actor_of(ctx), user, case, title=values["title"], summary=values["summary"],
                category_id=_category_id(ctx, values.get("category")),
                attachment_ids=[int(i) for i in values.get("attachment_ids", [])])
    except checking.ChecksOutstanding as exc:
        return problem(422, "Personal data found", "The personal-data check found what must be fixed or "
                       "acknowledged on the case's page before publishing; nothing was published.", ctx.request,
                       {"check": [f.as_dict() for f in exc.findings]})
    return ctx.json(publication_json(ctx, publication), status_code=201,
                    headers={"Location": publishing.response_url(ctx.settings, publication)})


def _publication(ctx: RequestContext) -> Publication:
    case = find_case(ctx)
    publication = publishing.publication_of(ctx.db, case)
    if publication is None:
        raise NotFound(f"The case {case.reference} has no disclosure log entry")
    return publication


def show_publication(ctx: RequestContext) -> Response:
    return ctx.json(publication_json(ctx, _publication(ctx)))


def withdraw_publication(ctx: RequestContext) -> Response:
    values = json_body(ctx, "PublicationWithdraw")
    publication = _publication(ctx)
    publishing.withdraw(ctx.db, actor_of(ctx), as_trusted_system(ctx), publication, values["reason"])
    return ctx.json(publication_json(ctx, publication))
