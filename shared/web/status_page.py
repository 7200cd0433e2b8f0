"""A public service's status page and its Atom feed of incidents: the same two routes in every public app.

``shared`` imports no app and no part of the core, so the app hands in the core's front-door functions
(``backoffice.public.service_status`` and ``incident_feed``) and the key of its own service; the records
they return are read here only through the shapes below. The page is plain GOV.UK markup and needs no
script; the feed is RFC 4287 Atom built with ElementTree (which escapes every text), every address from
BASE_URL, never from the Host a client sent. An entry's id is the incident's place on the status page,
which never changes: a reader that has seen an incident knows it again after each update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from xml.etree import ElementTree as ET

from sqlalchemy.orm import Session
from starlette.responses import Response

from shared.web.routing import PUBLIC, Page, RequestContext, page
from shared.web.xml import ATOM
from shared.web.xml import add as _add
from shared.web.xml import stamp as _stamp

TEMPLATE = "shared/status.html"
PAGE_NAME = "service-status"
FEED_NAME = "service-status-feed"
#: Asked again each time: an update must reach readers at once.
FEED_CACHE = "no-cache"
#: An empty feed still needs an updated time: a fixed one, so the feed does not change while nothing does.
NEVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class Update(Protocol):
    @property
    def at(self) -> dt.datetime: ...
    @property
    def status_name(self) -> str: ...
    @property
    def text(self) -> str: ...


class Entry(Protocol):
    @property
    def reference(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def impact(self) -> str: ...
    @property
    def status_name(self) -> str: ...
    @property
    def received_at(self) -> dt.datetime: ...
    @property
    def updated_at(self) -> dt.datetime: ...
    @property
    def updates(self) -> Sequence[Update]: ...
    @property
    def summary(self) -> str: ...


class Feed(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def updated(self) -> dt.datetime | None: ...
    @property
    def entries(self) -> Sequence[Entry]: ...


StatusOf = Callable[[Session, str], Any]
FeedOf = Callable[[Session, str], Feed]


def entry_url(page_url: str, reference: str) -> str:
    """The incident's place on the status page: its feed entry's id and link."""
    return f"{page_url}#{reference}"


def atom(feed: Feed, *, org_name: str, page_url: str, self_url: str) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en-GB"})
    _add(root, "id", self_url)
    _add(root, "title", f"{org_name}: {feed.name} incidents")
    _add(root, "updated", _stamp(feed.updated or NEVER))
    _add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(root, "link", rel="alternate", type="text/html", href=page_url)
    author = _add(root, "author")
    _add(author, "name", org_name)
    for incident in feed.entries:
        url = entry_url(page_url, incident.reference)
        item = _add(root, "entry")
        _add(item, "id", url)
        _add(item, "title", f"{incident.status_name}: {incident.title}")
        _add(item, "updated", _stamp(incident.updated_at))
        _add(item, "published", _stamp(incident.received_at))
        _add(item, "link", rel="alternate", type="text/html", href=url)
        _add(item, "summary", incident.summary)
        lines = [f"{incident.impact}. {incident.status_name}."]
        lines += [f"{_stamp(u.at)} {u.status_name}: {u.text}".rstrip(": ") for u in reversed(incident.updates)]
        _add(item, "content", "\n".join(lines), type="text")
        _add(item, "category", term=incident.impact)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def status_pages(service: str, status_of: StatusOf, feed_of: FeedOf) -> list[Page]:
    """The status page (``/status``) and its feed (``/status.atom``) of ``service``, for an app's route list."""

    def show(ctx: RequestContext) -> Response:
        return ctx.render(TEMPLATE, {"status": status_of(ctx.db, service)})

    def feed(ctx: RequestContext) -> Response:
        body = atom(feed_of(ctx.db, service), org_name=ctx.settings.org_name,
                    page_url=ctx.settings.url(ctx.path_for(PAGE_NAME)),
                    self_url=ctx.settings.url(ctx.path_for(FEED_NAME)))
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers={"Cache-Control": FEED_CACHE})

    return [page("/status", show, name=PAGE_NAME, access=PUBLIC),
            page("/status.atom", feed, name=FEED_NAME, access=PUBLIC)]
