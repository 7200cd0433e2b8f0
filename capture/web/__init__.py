"""Capture's routes and app factory: the public request forms at /capture/."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from backoffice.public import incident_feed, service_status
from capture.web import confirm, feedback, journey, progress, published_answers
from capture.web.common import MOUNT
from shared.runtime import Runtime
from shared.web import PUBLIC, page
from shared.web.factory import create_web_app
from shared.web.status_page import status_pages
from shared.web.templating import NavItem, Shell

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
SHELL = Shell(app_key="capture", service_name="Make a request",
              navigation=(NavItem("Make a request", "start"), NavItem("Check progress", "progress")))
BOTH = ("GET", "POST")
#: Capture's pages other apps link to (shared.apps.public_url): a requester's "check the progress" page.
PUBLIC_PATHS = {"request-progress": "/progress"}
_REQUEST = "/request/{type_key}/"


def routes() -> list[BaseRoute]:
    return [
        page("/", journey.start, name="start", access=PUBLIC),
        page("/request/{type_key}", journey.type_start, name="type-start", access=PUBLIC),
        page("/request/{type_key}/check", journey.check_answers, name="check-answers", access=PUBLIC, methods=BOTH),
        page("/request/{type_key}/check-your-email", journey.check_email, name="check-email", access=PUBLIC),
        page("/request/{type_key}/resend", journey.resend, name="resend", access=PUBLIC, methods=("POST",)),
        page("/request/{type_key}/published-answers", published_answers.show, name="published-answers", access=PUBLIC,
             writes_on_get=True),
        page("/request/{type_key}/published-answers/follow", published_answers.follow, name="follow-published-answer",
             access=PUBLIC, methods=("POST",)),
        page("/request/{type_key}/suggestions", published_answers.suggestions, name="suggestions", access=PUBLIC,
             writes_on_get=True),
        page("/request/{type_key}/{page_key}", journey.question, name="question", access=PUBLIC, methods=BOTH, files=True),
        page("/keep-alive", journey.keep_alive, name="keep-alive", access=PUBLIC, methods=("POST",)),
        page("/confirm", confirm.confirm, name="confirm", access=PUBLIC, methods=BOTH),
        page("/confirm/new-link", confirm.new_link, name="confirm-new-link", access=PUBLIC, methods=("POST",)),
        page("/sent", confirm.sent, name="sent", access=PUBLIC),
        page("/progress", progress.start, name="progress", access=PUBLIC, methods=BOTH),
        page("/progress/check-your-email", progress.check_email, name="progress-check-email", access=PUBLIC),
        page("/progress/view", progress.view, name="progress-view", access=PUBLIC, methods=BOTH),
        page("/progress/status", progress.status, name="progress-status", access=PUBLIC),
        page("/feedback", feedback.feedback, name="feedback", access=PUBLIC, methods=BOTH),
        page("/feedback/thanks", feedback.thanks, name="feedback-thanks", access=PUBLIC),
        *status_pages("capture", service_status, incident_feed),
        # Capture's own script and styles, ahead of (and inside) the shared /static mount.
        Mount("/static/capture", app=StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]


def reserved_page_keys() -> frozenset[str]:
    """The fixed words after ``/request/{type_key}/``: a form page with such a key could never be reached."""
    paths = (getattr(route, "path", "") for route in routes())
    return frozenset(path.removeprefix(_REQUEST) for path in paths
                     if path.startswith(_REQUEST) and not set("{/") & set(path.removeprefix(_REQUEST)))


def create_app(runtime: Runtime) -> Starlette:
    return create_web_app(runtime, shell=SHELL, routes=routes(), templates_dir=TEMPLATES)


__all__ = ["MOUNT", "PUBLIC_PATHS", "SHELL", "create_app", "reserved_page_keys", "routes"]
