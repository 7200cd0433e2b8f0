"""Disclosure Log's routes and app factory: the public log at /disclosure-log/.

Every page is a read-only GET: the log is for reading, searching and subscribing to, and a person needs no
account or cookie for any of it. ``/responses/`` is what the app declares to the suite as the response page
(``plugin.py``), so the core and Capture build a response's address without knowing the mount.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from backoffice.public import incident_feed, service_status
from disclosurelog.web import feeds, pages
from shared.runtime import Runtime
from shared.web import PUBLIC, page
from shared.web.factory import create_web_app
from shared.web.status_page import status_pages
from shared.web.templating import Shell

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHELL = Shell(app_key="disclosurelog", service_name="Disclosure log")
#: The home page and where a response's address begins (the reference follows).
HOME_PATH = "/"
RESPONSE_PREFIX = "/responses/"
#: Requests of the log that run at once in a process. A search is CPU work, so more at once only share the
#: cores more thinly; a crowd of searchers queues here, and a requester's form page (capture's own threads)
#: is not slowed by forty searches taking turns with it.
THREADS = 4


def routes() -> list:  # type: ignore[type-arg]
    return [
        page(HOME_PATH, pages.home, name="start", access=PUBLIC),
        page("/search", pages.search, name="search", access=PUBLIC),
        page("/search.atom", feeds.search_atom, name="search-atom", access=PUBLIC),
        page(RESPONSE_PREFIX + "{reference}", pages.response, name="response", access=PUBLIC),
        page(RESPONSE_PREFIX + "{reference}/documents/{document_id:id}", pages.document, name="document",
             access=PUBLIC),
        page("/performance", pages.performance, name="performance", access=PUBLIC),
        page("/feed.atom", feeds.atom, name="feed-atom", access=PUBLIC),
        page("/feed.json", feeds.json_feed, name="feed-json", access=PUBLIC),
        page("/disclosure-log.csv", feeds.log_csv, name="log-csv", access=PUBLIC),
        page("/sitemap.xml", feeds.sitemap, name="sitemap", access=PUBLIC),
        *status_pages("disclosure_log", service_status, incident_feed),
    ]


def create_app(runtime: Runtime) -> Starlette:
    return create_web_app(runtime, shell=SHELL, routes=routes(), templates_dir=TEMPLATES, threads=THREADS)
