"""The log's pages: home, search results, a response and its documents, and "Our FOI performance".

All are GETs that write nothing. A response's page and its documents answer 410 once it is withdrawn
(``common.response_address``). Documents stream from the store with Range, ETag and HEAD, as Secure
Share's do (``shared.web.downloads``); a PDF opens in the browser's viewer, so a "page 14" link lands there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from backoffice.public import (
    LogQuery,
    LogResults,
    PublishedResponse,
    foi_performance,
    log_categories,
    log_engine,
    newest_responses,
    published_response,
    response_document,
    search_log,
)
from disclosurelog.web.common import (
    absolute,
    day_in_words,
    disposition,
    json_ld,
    reference_of,
    response_address,
)
from shared.errors import NotFound
from shared.files import file_path
from shared.files.words import TYPES_IN_WORDS, size_in_words, type_in_words
from shared.search import IndexUnavailable
from shared.web import RequestContext
from shared.web.downloads import file_response

#: A document other than a PDF is a file to save: it runs no script and opens nothing, whatever it holds.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
#: A PDF opens in the browser's viewer (which ``sandbox`` would block), still allowed to load nothing else.
PDF_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The URL parameter of each facet and the query's field that holds its chosen values.
FILTER_FIELDS = {"type": "types", "outcome": "outcomes", "exemption": "exemptions", "category": "categories",
                 "year": "years"}


def home(ctx: RequestContext) -> Response:
    return ctx.render("disclosurelog/home.html", {
        "newest": newest_responses(ctx.db), "categories": [c for c in log_categories(ctx.db) if c.count],
        "day_in_words": day_in_words})


def _structured(ctx: RequestContext, found: PublishedResponse) -> dict[str, Any]:
    """schema.org ``DigitalDocument``: what a search engine may show of the response."""
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "DigitalDocument",
        "@id": absolute(ctx, "response", reference=found.reference), "url": absolute(ctx, "response",
                                                                                       reference=found.reference),
        "identifier": found.reference, "name": found.title, "description": found.summary,
        "datePublished": found.published_on.isoformat(), "dateModified": found.updated_at.isoformat(),
        "publisher": {"@type": "Organization", "name": ctx.settings.org_name},
        "genre": found.case_type_name, "inLanguage": "en-GB",
    }
    if found.category:
        data["about"] = found.category
    if found.documents:
        data["hasPart"] = [{"@type": "DigitalDocument", "name": d.name, "encodingFormat": d.content_type,
                            "contentSize": str(d.size),
                            "url": absolute(ctx, "document", reference=found.reference, document_id=d.id)}
                           for d in found.documents]
    return data


@response_address
def response(ctx: RequestContext) -> Response:
    found = published_response(ctx.db, reference_of(ctx))
    documents = [(d, type_in_words(d.content_type), size_in_words(d.size)) for d in found.documents]
    return ctx.render("disclosurelog/response.html", {
        "found": found, "documents": documents, "json_ld": json_ld(_structured(ctx, found)),
        "day_in_words": day_in_words})


@response_address
def document(ctx: RequestContext) -> Response:
    item = response_document(ctx.db, reference_of(ctx), int(ctx.request.path_params["document_id"]))
    path = file_path(ctx.settings.files_dir, item.file_id)
    if not path.is_file():
        raise NotFound("This document is no longer stored")
    kind = item.content_type.split(";", 1)[0].strip().lower()
    pdf = kind == "application/pdf"
    headers = {
        "Content-Type": item.content_type if kind in TYPES_IN_WORDS else "application/octet-stream",
        "Content-Disposition": disposition(item.name).replace("attachment", "inline", 1) if pdf
        else disposition(item.name),
        "Content-Security-Policy": PDF_CSP if pdf else DOWNLOAD_CSP,
        "X-Content-Type-Options": "nosniff",
        # Public, but asked again each time: a withdrawn document must stop being served at once.
        "Cache-Control": "no-cache",
    }
    return file_response(ctx.request, path=path, size=item.size, etag=item.sha256, headers=headers,
                         last_modified=item.modified)


def query_of(ctx: RequestContext) -> tuple[LogQuery, dict[str, str]]:
    params: dict[str, list[str]] = {}
    for key, value in ctx.request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return LogQuery.from_params(params)


def search_href(ctx: RequestContext, query: LogQuery, name: str = "search", /, **changes: Any) -> str:
    params = query.to_params(**changes)
    return ctx.path_for(name) + ("?" + urlencode(params) if params else "")


def _pagination(ctx: RequestContext, results: LogResults) -> dict[str, Any] | None:
    """GOV.UK pagination: first, last, the current page and its neighbours, ellipses between."""
    if results.page_count <= 1:
        return None
    current, last = results.page, results.page_count
    shown = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    items: list[dict[str, Any]] = []
    for index, number in enumerate(shown):
        if index and number - shown[index - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": search_href(ctx, results.query, page=number),
                      "current": number == current})
    found: dict[str, Any] = {"items": items, "landmarkLabel": "Search results pages"}
    if current > 1:
        found["previous"] = {"href": search_href(ctx, results.query, page=current - 1)}
    if current < last:
        found["next"] = {"href": search_href(ctx, results.query, page=current + 1)}
    return found


#: Seconds a client is told to wait before searching again while the index is rebuilt.
RETRY_AFTER_SECONDS = 60


def search_rebuilding(ctx: RequestContext) -> Response:
    """The index is damaged or gone and the worker is rebuilding it: say so (503), never fail (500)."""
    response = ctx.render("disclosurelog/search_unavailable.html", {"rebuilding": True}, status_code=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def search(ctx: RequestContext) -> Response:
    query, errors = query_of(ctx)
    try:
        results = search_log(ctx.db, log_engine(ctx.settings), query)
    except ImportError:  # the engine is not installed on this host: say so rather than fail
        return ctx.render("disclosurelog/search_unavailable.html", status_code=503)
    except IndexUnavailable:
        return search_rebuilding(ctx)
    removals = []
    for facet in results.facets:
        field = FILTER_FIELDS.get(facet.key)
        for value in facet.values:
            if value.selected and field:
                kept = tuple(v for v in query.selected(facet.key) if v != value.value)
                removals.append((facet.label, value.label, search_href(ctx, query, page=1, **{field: kept})))
    if query.published_from:
        removals.append(("Published from", day_in_words(query.published_from),
                         search_href(ctx, query, page=1, published_from=None)))
    if query.published_to:
        removals.append(("Published to", day_in_words(query.published_to),
                         search_href(ctx, query, page=1, published_to=None)))
    error_list = [{"text": message, "href": f"#{key}"} for key, message in errors.items()]
    return ctx.render("disclosurelog/search.html", {
        "query": query, "results": results, "errors": errors, "error_list": error_list,
        "pagination": _pagination(ctx, results), "removals": removals,
        "relevance_href": search_href(ctx, query, sort="relevance", page=1),
        "newest_href": search_href(ctx, query, sort="newest", page=1),
        "did_you_mean_href": search_href(ctx, query, text=results.did_you_mean, page=1)
        if results.did_you_mean else None,
        "atom_href": search_href(ctx, query, "search-atom", sort="newest", page=1),
        "from_text": ctx.request.query_params.get("from", "") if "from" in errors else (
            query.published_from.isoformat() if query.published_from else ""),
        "to_text": ctx.request.query_params.get("to", "") if "to" in errors else (
            query.published_to.isoformat() if query.published_to else ""),
        "day_in_words": day_in_words})


def performance(ctx: RequestContext) -> Response:
    figures = foi_performance(ctx.db)
    return ctx.render("disclosurelog/performance.html", {"figures": figures})


__all__ = ["document", "home", "performance", "response", "search"]
