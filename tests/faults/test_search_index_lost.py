"""The fault test: the Disclosure Log's search index deleted or damaged. Search says it is being rebuilt
(a GOV.UK 503, never a 500), every other page goes on working, and the real worker loop notices and
rebuilds the index from the database, after which search finds the published responses again.

The suite is served by a real uvicorn and read over HTTP. The worker is stopped while the index is
damaged and the pages are read, so the test sees the damage before the rebuild heals it; then the worker
(the real loop, real job kinds and host tasks) is started and must rebuild on its own.

A running process keeps the files it opened (their inodes outlive a rewrite), so damaged files are noticed
when a process opens them: after damaging files the test forgets the process's engines, as a restart does.
Files are replaced rather than rewritten in place: the open index maps them, and truncating a mapped file
would kill the test process, not test the product.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from backoffice.disclosures.indexing import LOG_SCHEMA
from backoffice.staff.accounts import StaffUser
from backoffice.staff.sessions import start_session
from shared import worker as worker_loop
from shared.db import transaction
from shared.runtime import Runtime
from shared.search.indexes import CURRENT, current_directory, forget_engines
from shared.serve import create_suite
from tests.conftest import SPECS
from tests.disclosurelog.conftest import Log
from tests.factories import STAFF_COOKIE, seed_office, session_cookie
from tests.shared.live import serving

pytestmark = pytest.mark.faults

WAIT_SECONDS = 20.0
REBUILDING = "Sorry, search is being rebuilt"


def _until(what: str, done: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < WAIT_SECONDS, f"not within {WAIT_SECONDS:g} s: {what}"
        time.sleep(0.2)
    return time.monotonic() - started


@contextmanager
def worker_running(runtime: Runtime) -> Iterator[None]:
    """The real worker loop with every app's job kinds and host tasks; its timetable is left out (probes and
    sweeps are not what this test is about, and a probe round would only slow it down)."""
    stop = threading.Event()
    specs = [dataclasses.replace(spec, schedules=()) for spec in SPECS]
    loop = threading.Thread(target=worker_loop.run_forever, args=(runtime, specs, stop, 0.1), daemon=True)
    loop.start()
    try:
        yield
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()


def _replace(path: Path, data: bytes) -> None:
    temp = path.with_name(f".fault-{path.name}")
    temp.write_bytes(data)
    os.replace(temp, path)


def _delete_the_directory(home: Path) -> None:
    shutil.rmtree(home)


def _truncate_a_segment(home: Path) -> None:
    generation = current_directory(home.parent, LOG_SCHEMA)
    assert generation is not None
    segments = sorted(generation.glob("*.seg"))
    assert segments, sorted(p.name for p in generation.iterdir())
    for segment in segments:
        _replace(segment, segment.read_bytes()[: segment.stat().st_size // 3])
    forget_engines()


def _garbage_toc(home: Path) -> None:
    generation = current_directory(home.parent, LOG_SCHEMA)
    assert generation is not None
    tocs = sorted(generation.glob("*.toc"))
    assert tocs, sorted(p.name for p in generation.iterdir())
    for toc in tocs:
        _replace(toc, os.urandom(toc.stat().st_size))
    forget_engines()


def _current_points_nowhere(home: Path) -> None:
    temp = home / ".fault-link"
    os.symlink("gen-that-never-was", temp)
    os.replace(temp, home / CURRENT)


DAMAGE = {"directory deleted": _delete_the_directory, "segment truncated": _truncate_a_segment,
          "table of contents garbage": _garbage_toc, "current points nowhere": _current_points_nowhere}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_lost_index_is_rebuilt_and_nothing_else_fails(runtime: Runtime, damage: str) -> None:
    with transaction(runtime.factory) as session:
        office = seed_office(session, runtime.factory)
    log = Log(office, runtime.settings, runtime.factory)
    references = [log.publish("Pothole repairs on the ring road"), log.publish("Pothole claims paid in 2025")]
    with transaction(runtime.factory) as session:
        user = session.get(StaffUser, office.ids["caseworker"])
        assert user is not None
        _, token = start_session(session, user, ip="127.0.0.1", user_agent="fault-test")
    home = runtime.settings.search_dir / LOG_SCHEMA.name
    try:
        with serving(create_suite(runtime, SPECS, with_worker=False)) as port, \
                httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            def found_both() -> bool:
                page = client.get("/disclosure-log/search", params={"q": "pothole"})
                assert page.status_code in (200, 503), (page.status_code, page.text[:300])
                return page.status_code == 200 and "2 results" in page.text

            with worker_running(runtime):
                _until("the worker's first index", found_both)

            DAMAGE[damage](home)
            answers: list[int] = []

            def says_rebuilding() -> bool:
                page = client.get("/disclosure-log/search", params={"q": "pothole"})
                answers.append(page.status_code)
                assert page.status_code in (200, 503), (page.status_code, page.text[:300])
                return page.status_code == 503 and REBUILDING in page.text

            took = _until("search saying it is being rebuilt", says_rebuilding)
            print(f"{damage}: search said it was being rebuilt {took:.1f} s after the damage; answers {answers}")
            page = client.get("/disclosure-log/search", params={"q": "pothole"})
            assert page.status_code == 503 and page.headers["retry-after"].isdigit()
            assert '<h1 class="govuk-heading-l">Sorry, search is being rebuilt</h1>' in page.text
            assert "govuk-template" in page.text and "govuk-footer" in page.text  # the GOV.UK layout
            assert client.get("/disclosure-log/search.atom", params={"q": "pothole"}).status_code == 503

            for path in ("/disclosure-log/", f"/disclosure-log/responses/{references[0]}",
                         "/disclosure-log/feed.atom", "/disclosure-log/feed.json", "/disclosure-log/sitemap.xml"):
                other = client.get(path)
                assert other.status_code == 200, (path, other.status_code, other.text[:300])
            assert "Pothole repairs on the ring road" in client.get("/disclosure-log/").text
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as caseworker:
                caseworker.cookies.set(STAFF_COOKIE, session_cookie(runtime.settings.secret_key,
                                                                    {"staff_session": token}))
                staff = caseworker.get("/backoffice/", follow_redirects=True)
                assert staff.status_code == 200 and "<title>Sign in" not in staff.text, staff.text[:300]

            with worker_running(runtime):
                took = _until("the worker rebuilding the index", found_both)
            print(f"{damage}: the worker rebuilt the index in {took:.1f} s")
            healed = client.get("/disclosure-log/search", params={"q": "pothole"})
            assert all(reference in healed.text for reference in references)
            generation = current_directory(runtime.settings.search_dir, LOG_SCHEMA)
            assert generation is not None and generation.is_dir()
    finally:
        forget_engines()

