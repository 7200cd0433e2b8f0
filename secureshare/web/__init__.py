"""Secure Share's routes and app factory: the requester's side of a share, at /secure-share/.

Every address of a share is ``/s/<token>…``; the token is the link's secret (the core keeps only its
digest, and the access log only ``[redacted]``). ``/s/`` is what the app declares to the suite as the
link page (``plugin.py``), so the core builds the link from BASE_URL without knowing the mount.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response

from backoffice.public import incident_feed, service_status
from secureshare.web import documents, link
from secureshare.web.headers import ShareHeadersMiddleware
from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.status_page import status_pages
from shared.web.templating import Shell

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHELL = Shell(app_key="secureshare", service_name="Get your response")
BOTH = ("GET", "POST")
#: Where a share's addresses begin: the link page is this and the token.
LINK_PREFIX = "/s/"
_SHARE = LINK_PREFIX + "{token}"


def start(ctx: RequestContext) -> Response:
    return ctx.render("secureshare/start.html")


def routes() -> list:  # type: ignore[type-arg]
    return [
        page("/", start, name="start", access=PUBLIC),
        # Opening the link writes a "Link opened" line when a person (not a scanner) looks.
        page(_SHARE, link.share, name="share", access=PUBLIC, methods=BOTH, writes_on_get=True),
        page(_SHARE + "/documents", documents.documents, name="documents", access=PUBLIC),
        # A download's request writes nothing; its history line is written when the body has ended.
        page(_SHARE + "/documents/all", documents.download_all, name="download-all", access=PUBLIC,
             writes_on_get=True),
        page(_SHARE + "/documents/{file_id:id}", documents.download, name="download", access=PUBLIC,
             writes_on_get=True),
        page(_SHARE + "/history", documents.history, name="history", access=PUBLIC),
        page(_SHARE + "/history.csv", documents.history_download, name="history-csv", access=PUBLIC),
        page(_SHARE + "/sign-out", documents.sign_out, name="sign-out", access=PUBLIC, methods=("POST",)),
        page(_SHARE + "/remove", documents.remove, name="remove", access=PUBLIC, methods=BOTH),
        page("/removed", documents.removed, name="removed", access=PUBLIC),
        *status_pages("secure_share", service_status, incident_feed),
    ]


def create_app(runtime: Runtime) -> Starlette:
    app = create_web_app(runtime, shell=SHELL, routes=routes(), templates_dir=TEMPLATES)
    app.add_middleware(ShareHeadersMiddleware)  # outermost: its no-referrer wins over the suite's default
    return app
