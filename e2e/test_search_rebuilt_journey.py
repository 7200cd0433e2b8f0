"""The Disclosure Log's search while its index is being rebuilt, in a real browser: a member of the public
searches from the home page and is told, on a GOV.UK 503 page, that search is being rebuilt and what they
can do meanwhile; they move by keyboard alone to the link it offers and browse the newest responses; without
JavaScript the same search and link work; once the index is rebuilt the same search finds the response.

The harness's server runs its own worker, which rebuilds a damaged index within seconds (its host task, every
``CATCH_UP_EVERY``). So the journey plays the worker part that is mid-rebuild: it holds the host's rebuild
lock (``shared.search.indexes.rebuilding``, a lock on a file, which the server's worker then waits behind, as
it would behind another process of the host) while it damages the index the way the fault test does
(``current`` names no generation). The pages see the damage as they would during a real rebuild. Then it lets
go and runs the worker's own rebuild (``indexing.keep_current``, what the host task calls); the server's worker
may get there first, which is the same rebuild.

The published response is made through the core's publishing functions in the server's database (publishing
through the pages is the disclosure log journey's). Every page goes through ``check_page`` (axe WCAG 2.2 AA,
reflow at 320 px, console and CSP) at 320 px and 1280 px.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import backoffice.plugin  # noqa: F401 (wires the case events, as every process does)
from backoffice.cases import tasks, workflow
from backoffice.disclosures import publishing
from backoffice.disclosures.indexing import LOG_SCHEMA, keep_current
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.accounts import StaffUser
from e2e.harness import assert_skip_link, check_page, focused, tab_through, visit
from e2e.harness.server import LiveServer
from shared import audit
from shared.db import make_engine, read_only, transaction
from shared.search.indexes import CURRENT, forget_engines, rebuilding
from shared.settings import Settings, load_settings

pytestmark = pytest.mark.e2e

MANAGER = "manager@example.gov.uk"
WORD = "culverts"  # in this journey's response only
TITLE = "Flood culverts cleared on rural roads"
REBUILDING = "Sorry, search is being rebuilt"
BROWSE = "browse the newest responses"
SEARCH = f"/disclosure-log/search?q={WORD}"
WAIT = 20.0


@pytest.fixture(scope="module")
def settings(live_server: LiveServer | None) -> Settings:
    if live_server is None:
        pytest.skip("damages and rebuilds the search index of the harness's own server")
    return load_settings(live_server.env())


@pytest.fixture(scope="module")
def published(settings: Settings) -> str:
    """A closed FOI case's response published to the log (no documents, so no second person is needed)."""
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with transaction(factory) as session:
        manager = session.scalars(select(StaffUser).where(StaffUser.email == MANAGER)).one()
        actor = audit.Actor(type="staff", id=str(manager.id), label=manager.email)
        case = create_case(session, audit.SYSTEM, NewCase(
            case_type="foi", subject="Culverts", channel="email",
            description="Which culverts did you clear last year, and how often?",
            requester=Requester(name="Sam Example", email="sam@example.com")))
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, actor, manager, case, task.id, tasks.DONE)
        workflow.close(session, actor, manager, case, outcome="granted_in_full", exemptions=())
        publishing.prepare_and_publish(session, settings, actor, manager, case, title=TITLE,
                                       summary=f"We listed the {WORD} cleared on each rural road in 2025.")
        reference = case.reference
    engine.dispose()
    return reference


@contextmanager
def rebuild_under_way(settings: Settings) -> Iterator[None]:
    """The index damaged and a rebuild of it under way: this process holds the host's rebuild lock, so the
    server's worker leaves the index alone, and ``current`` names a generation that does not exist."""
    home = settings.search_dir / LOG_SCHEMA.name
    with rebuilding(settings.search_dir, LOG_SCHEMA) as mine:
        assert mine, "the server's worker was rebuilding the index already"
        good = os.readlink(home / CURRENT)
        _point(home, "gen-that-never-was")
        try:
            yield
        except BaseException:
            _point(home, good)  # a failed journey leaves the index as it found it, for the journeys after it
            raise


def _point(home: Path, target: str) -> None:
    temp = home / ".journey-link"
    temp.unlink(missing_ok=True)
    os.symlink(target, temp)
    os.replace(temp, home / CURRENT)


def rebuild_as_the_worker_does(settings: Settings) -> None:
    """The worker's host task: ``keep_current`` sees the damage and rebuilds from the database (or finds the
    server's worker has just done so, and catches up)."""
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with read_only(factory()) as session:
            keep_current(session, settings)
    finally:
        forget_engines()  # this process's engine of the index, opened by the rebuild
        engine.dispose()


def _until(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        assert time.monotonic() < deadline, f"not within {WAIT:.0f} s: {what}"
        time.sleep(0.3)


def _found(page: Page) -> bool:
    answer = page.request.get(SEARCH)
    assert answer.status in (200, 503), answer.status
    return answer.status == 200 and TITLE in answer.text()


def _says_rebuilding(page: Page) -> bool:
    answer = page.request.get(SEARCH)
    assert answer.status in (200, 503), answer.status
    return answer.status == 503 and REBUILDING in answer.text()


def _search_from_home(page: Page, name: str) -> Response:
    visit(page, "/disclosure-log/")
    page.get_by_label("Search the disclosure log").fill(WORD)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Search").click()
    check_page(page, name)
    return navigation.value


def _told_it_is_being_rebuilt(page: Page) -> None:
    """The 503 page: what happened, when to come back, and what can be done meanwhile."""
    response = _search_from_home(page, "search while the index is rebuilt")
    assert response.status == 503, response.status
    assert (response.header_value("retry-after") or "").isdigit(), response.headers
    expect(page.locator("h1")).to_have_text(REBUILDING)
    assert page.title().startswith("Search is being rebuilt"), page.title()
    main = page.locator("main")
    expect(main).to_contain_text("You will be able to search again in a few minutes")
    expect(main.get_by_role("link", name=BROWSE)).to_have_attribute("href", "/disclosure-log/")
    csv = main.get_by_role("link", name="the whole log as a spreadsheet (CSV)").get_attribute("href") or ""
    download = page.request.get(csv)
    assert download.status == 200 and TITLE in download.text(), (csv, download.status)
    visit(page, SEARCH, status=503, name="search address while the index is rebuilt")  # a bookmark, the feed's link


def _on_by_keyboard(page: Page) -> None:
    """Every stop of the page reachable and visibly focused; skip link, then Tab to the way on and Enter."""
    tab_through(page)
    assert_skip_link(page)
    for _ in range(10):
        page.keyboard.press("Tab")
        stop = focused(page)
        assert stop is not None, "focus left the page before the link back"
        if stop.text == BROWSE:
            assert stop.visible and stop.in_viewport and stop.indicator, stop
            break
    else:
        raise AssertionError(f"could not reach {BROWSE!r} with the keyboard from the main content")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 200, navigation.value.status
    check_page(page, "the newest responses, reached by keyboard")
    expect(page.locator("h1")).to_contain_text("disclosure log")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()


def _without_javascript(browser: Browser, base_url: str) -> None:
    """The search form and the link on work with JavaScript off (axe needs it: that check is above)."""
    context = browser.new_context(base_url=base_url, locale="en-GB", java_script_enabled=False,
                                  viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/disclosure-log/")
        page.get_by_label("Search the disclosure log").fill(WORD)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Search").click()
        assert navigation.value.status == 503, navigation.value.status
        expect(page.locator("h1")).to_have_text(REBUILDING)
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name=BROWSE).click()
        assert navigation.value.status == 200, navigation.value.status
        expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    finally:
        context.close()


def test_search_while_the_index_is_rebuilt(browser: Browser, base_url: str, mobile_page: Page,
                                           desktop_page: Page, settings: Settings, published: str) -> None:
    _until("the worker indexing the published response", lambda: _found(mobile_page))
    with rebuild_under_way(settings):
        _until("search saying it is being rebuilt", lambda: _says_rebuilding(mobile_page))
        for page in (mobile_page, desktop_page):
            _told_it_is_being_rebuilt(page)
            _on_by_keyboard(page)
        _without_javascript(browser, base_url)
    rebuild_as_the_worker_does(settings)
    _until("search finding the response in the rebuilt index", lambda: _found(mobile_page))
    for page in (mobile_page, desktop_page):
        response = _search_from_home(page, "search after the rebuild")
        assert response.status == 200, response.status
        expect(page.locator("main")).to_contain_text("1 result")
        with page.expect_navigation():
            page.get_by_role("link", name=TITLE).click()
        check_page(page, "the response found")
        expect(page.locator("h1")).to_have_text(TITLE)
        expect(page.locator("main")).to_contain_text(published)
