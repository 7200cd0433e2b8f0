"""The Disclosure Log's status page and Atom feed of incidents (the checks every public app shares)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from tests.disclosurelog.conftest import Log
from tests.pages import PageChecker
from tests.status_pages import App, check_status_page_and_feed


def test_the_status_page_and_feed_of_the_disclosure_log(log: Log, log_app: Starlette,
                                                        session_factory: sessionmaker[Session],
                                                        check_page: PageChecker) -> None:
    check_status_page_and_feed(App("disclosurelog", "/disclosure-log", "disclosure_log", "Disclosure log"),
                               log_app, session_factory, check_page)
