"""Request forms' status page and Atom feed of incidents (the checks every public app shares)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from shared.runtime import Runtime
from tests.conftest import starlette_app
from tests.pages import PageChecker
from tests.status_pages import App, check_status_page_and_feed


def test_the_status_page_and_feed_of_the_request_forms(seeded: Runtime, session_factory: sessionmaker[Session],
                                                       check_page: PageChecker) -> None:
    check_status_page_and_feed(App("capture", "/capture", "capture", "Request forms"),
                               starlette_app("capture", seeded), session_factory, check_page)
