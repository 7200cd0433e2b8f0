"""The log for machines: Atom (RFC 4287) for the log and for any search, JSON Feed 1.1, the CSV of the whole
log, and the sitemap.

Entry ids are the responses' addresses, which never change (a reference is never reused), so a reader that
has seen an entry knows it again after an amendment. A withdrawn response is announced in the Atom feed as an
RFC 6721 deleted entry with the same id, so readers drop it; JSON Feed has no such thing, and simply leaves it
out. Every address is built from BASE_URL, never from the Host a client sent. The XML is built with
ElementTree (the namespaces declared as attributes, so nothing is registered process-wide), which
escapes every text, after dropping the characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

from starlette.responses import JSONResponse, Response, StreamingResponse

from backoffice.public import (
    FeedEntries,
    LogEntry,
    csv_lines,
    feed_entries,
    log_csv_rows,
    log_engine,
    response_url,
    search_log,
    sitemap_entries,
)
from disclosurelog.web.common import absolute, disposition
from disclosurelog.web.pages import query_of, search_href, search_rebuilding
from shared.db import read_only
from shared.search import IndexUnavailable
from shared.web import RequestContext
from shared.web.xml import ATOM
from shared.web.xml import add as _add
from shared.web.xml import stamp as _stamp
from shared.web.xml import xml_text as _text

TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Asked again each time (a withdrawal must leave every feed at once), but not stored by nobody.
FEED_CACHE = "no-cache"


def _xml(root: ET.Element, media_type: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=media_type, headers={"Cache-Control": FEED_CACHE})


def _atom(ctx: RequestContext, *, title: str, self_href: str, alternate: str, entries: FeedEntries) -> Response:
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:at": TOMBSTONES, "xml:lang": "en-GB"})
    _add(feed, "id", self_href)
    _add(feed, "title", title)
    _add(feed, "updated", _stamp(entries.updated or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_href)
    _add(feed, "link", rel="alternate", type="text/html", href=alternate)
    author = _add(feed, "author")
    _add(author, "name", ctx.settings.org_name)
    for entry in entries.entries:
        url = response_url(ctx.settings, entry.reference)
        item = _add(feed, "entry")
        _add(item, "id", url)
        _add(item, "title", f"{entry.reference}: {entry.title}")
        _add(item, "updated", _stamp(entry.updated_at))
        _add(item, "published", _stamp(entry.first_published_at))
        _add(item, "link", rel="alternate", type="text/html", href=url)
        _add(item, "summary", entry.summary or entry.title)
        if entry.category:
            _add(item, "category", term=entry.category)
    for gone in entries.deleted:
        ET.SubElement(feed, "at:deleted-entry",
                      {"ref": response_url(ctx.settings, gone.reference), "when": _stamp(gone.withdrawn_at)})
    return _xml(feed, "application/atom+xml; charset=utf-8")


def atom(ctx: RequestContext) -> Response:
    return _atom(ctx, title=f"{ctx.settings.org_name} disclosure log", self_href=absolute(ctx, "feed-atom"),
                 alternate=absolute(ctx, "start"), entries=feed_entries(ctx.db))


def search_atom(ctx: RequestContext) -> Response:
    """The newest results of any search, as a feed: the same parameters as the results page."""
    query, _errors = query_of(ctx)
    query = type(query)(**{**query.__dict__, "sort": "newest", "page": 1})
    try:
        results = search_log(ctx.db, log_engine(ctx.settings), query)
    except IndexUnavailable:
        return search_rebuilding(ctx)
    entries = []
    for hit in results.hits:
        published = dt.datetime.combine(hit.published_on, dt.time(12), dt.UTC)
        entries.append(LogEntry(reference=hit.reference, title=hit.title, summary="", case_type_name=hit.case_type_name,
                                outcome_label=hit.outcome_label, category="", published_on=hit.published_on,
                                first_published_at=published, updated_at=published))
    words = f" for “{query.text}”" if query.text else ""
    return _atom(ctx, title=f"{ctx.settings.org_name} disclosure log: search{words}",
                 self_href=ctx.settings.url(search_href(ctx, query, "search-atom")),
                 alternate=ctx.settings.url(search_href(ctx, query)),
                 entries=FeedEntries(entries=tuple(entries), deleted=()))


def json_feed(ctx: RequestContext) -> Response:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1): the published responses, newest change first."""
    found = feed_entries(ctx.db)
    items: list[dict[str, Any]] = []
    for entry in found.entries:
        url = response_url(ctx.settings, entry.reference)
        item: dict[str, Any] = {"id": url, "url": url, "title": f"{entry.reference}: {entry.title}",
                                "content_text": entry.summary or entry.title,
                                "date_published": _stamp(entry.first_published_at),
                                "date_modified": _stamp(entry.updated_at)}
        if entry.summary:
            item["summary"] = entry.summary
        if entry.category:
            item["tags"] = [entry.category]
        items.append(item)
    body = {"version": "https://jsonfeed.org/version/1.1", "title": f"{ctx.settings.org_name} disclosure log",
            "home_page_url": absolute(ctx, "start"), "feed_url": absolute(ctx, "feed-json"), "language": "en-GB",
            "authors": [{"name": ctx.settings.org_name}], "items": items}
    return JSONResponse(body, media_type="application/feed+json", headers={"Cache-Control": FEED_CACHE})


def log_csv(ctx: RequestContext) -> Response:
    """The whole log as CSV, streamed: rows are read in batches and sent as they are written.

    The request's own session closes when the handler returns, before the body is sent, so the rows are
    read in a read-only session of the stream's own, closed when the stream ends or the client leaves.
    """
    factory, settings = ctx.runtime.factory, ctx.settings

    def lines() -> Iterator[str]:
        session = read_only(factory())
        try:
            yield from csv_lines(log_csv_rows(session, lambda reference: response_url(settings, reference)))
        finally:
            session.close()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": disposition("disclosure-log.csv"), "Cache-Control": FEED_CACHE})


def sitemap(ctx: RequestContext) -> Response:
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    home = ET.SubElement(root, "url")
    ET.SubElement(home, "loc").text = absolute(ctx, "start")
    for entry in sitemap_entries(ctx.db):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = _text(response_url(ctx.settings, entry.reference))
        ET.SubElement(url, "lastmod").text = _stamp(entry.updated_at)
    return _xml(root, "application/xml; charset=utf-8")
