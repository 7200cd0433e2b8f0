"""The fault test: slow clients against the real server (uvicorn with ``civic serve``'s options).

Two hundred connections opened and never written to, a few request heads sent a byte a second, and a few
form bodies dribbled a byte a second: the server closes the idle and slow heads after its head timeout
(``shared.serve.HEAD_TIMEOUT_SECONDS``), answers the dribbled bodies 408 (or closes them) once their grace
is over, and meanwhile an ordinary visitor's pages and a form post keep being answered.

The body guard's grace is shortened through its setting (``BODY_GRACE_SECONDS``) so the test takes
seconds; the head timeout is the real one. Latencies are only bounded generously: timing is not the point,
being answered at all is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest

from shared.db import transaction
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from shared.serve import HEAD_TIMEOUT_SECONDS, create_suite, server_options
from tests.conftest import SPECS
from tests.factories import seed_body
from tests.shared.live import Answer, serving, stream_post

pytestmark = pytest.mark.faults

IDLE = 200
SLOW_HEADS = 10
DRIBBLERS = 4
GRACE_SECONDS = 2.0
#: Far more than any answer here needs: a visitor waiting this long was not served.
ANSWER_WITHIN = 5.0
ANSWER = "Slow clients fault test"


def civic_server(runtime: Runtime) -> contextlib.AbstractContextManager[int]:
    """``civic serve`` in a thread: the suite behind uvicorn with the options the command uses."""
    return serving(create_suite(runtime, SPECS, with_worker=False),
                   **{**server_options(runtime.settings), "host": "127.0.0.1", "port": 0, "lifespan": "auto"})


def _link(page: httpx.Response, pattern: str) -> str:
    found = re.search(r'href="(' + pattern + r')"', page.text)
    assert found, (pattern, page.text[:300])
    return urljoin(str(page.url), found.group(1))


def _form(page: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where the page's form posts, and a person's answers to its text questions (honeypot left empty)."""
    found = re.search(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page.text, re.S | re.I)
    assert found, page.text[:300]
    action = re.search(r'action="([^"]*)"', found.group(0)[:300])
    body = re.sub(r"<div[^>]*\bhidden\b[^>]*>.*?</div>", "", found.group(1), flags=re.S)
    answers = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    for tag in re.findall(r"<input\b[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name and re.search(r'type="(text|email|tel)"', tag) and 'tabindex="-1"' not in tag:
            answers[name.group(1)] = ANSWER
    for name in re.findall(r'<textarea[^>]*name="([^"]+)"', body):
        answers[name] = ANSWER
    return urljoin(str(page.url), action.group(1) if action else str(page.url)), answers


def _visit(base: str, timings: list[float]) -> str:
    """A person's path: the front page, the disclosure log, the FOI form's first question, an answer.
    Where the answer was posted."""
    with httpx.Client(base_url=base, timeout=ANSWER_WITHIN * 2, follow_redirects=True) as client:
        def get(url: str) -> httpx.Response:
            started = time.monotonic()
            page = client.get(url)
            timings.append(time.monotonic() - started)
            assert page.status_code == 200, (url, page.status_code, page.text[:300])
            return page

        home = get("/")
        get("/disclosure-log/")
        start = get(_link(home, r"[^\"]*/request/foi"))
        question = get(_link(start, re.escape(httpx.URL(str(start.url)).path) + r"/[a-z0-9_-]+"))
        action, answers = _form(question)
        started = time.monotonic()
        saved = client.post(action, data=answers, follow_redirects=False)
        timings.append(time.monotonic() - started)
        assert saved.status_code == 303, (saved.status_code, saved.text[:300])
        assert not saved.headers["location"].endswith("/check-your-email")  # kept, not taken for a robot
    return action


def _dribble(stop: threading.Event) -> Iterator[bytes]:
    for _ in range(30):
        if stop.wait(1.0):
            return
        yield b"x"


def _closed_by_server(socks: list[socket.socket], within: float) -> list[float]:
    """Seconds until the server closed each connection (every one must be closed within ``within``)."""
    opened = time.monotonic()
    closed: list[float] = []
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while len(closed) < len(socks):
            left = opened + within - time.monotonic()
            assert left > 0, f"{len(socks) - len(closed)} of {len(socks)} connections still open after {within:g} s"
            for key, _ in selector.select(timeout=left):
                ready = key.fileobj
                if not isinstance(ready, socket.socket):
                    raise TypeError(ready)
                try:
                    data = ready.recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    selector.unregister(ready)
                    closed.append(time.monotonic() - opened)
    return closed


def test_slow_and_idle_clients_are_timed_out_and_others_are_served(runtime: Runtime) -> None:
    with transaction(runtime.factory) as session:
        seed_body(session)
    guarded = Runtime.from_settings(dataclasses.replace(runtime.settings, body_grace_seconds=GRACE_SECONDS))
    stop = threading.Event()
    idle: list[socket.socket] = []
    heads: list[socket.socket] = []
    try:
        with civic_server(guarded) as port:
            base = f"http://127.0.0.1:{port}"
            action = _visit(base, [])  # the form's path, and every template, before the crowd arrives
            with httpx.Client(base_url=base) as browser:  # a session of its own, so the body is read
                assert browser.get(action).status_code == 200
                cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())

            started = time.monotonic()
            idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]
            heads = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(SLOW_HEADS)]
            for sock in heads:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")

            def dribble_heads() -> None:
                while not stop.wait(1.0):
                    for sock in heads:
                        with contextlib.suppress(OSError):
                            sock.send(b"X")

            answers: list[Answer | BaseException] = []

            def dribble_body() -> None:
                try:
                    answers.append(stream_post(port, httpx.URL(action).path, _dribble(stop), 30,
                                               {"Content-Type": "application/x-www-form-urlencoded",
                                                "Cookie": cookie}))
                except BaseException as exc:  # noqa: BLE001 - a connection the server closed is kept to check
                    answers.append(exc)

            threads = [threading.Thread(target=dribble_heads, daemon=True)]
            threads += [threading.Thread(target=dribble_body, daemon=True) for _ in range(DRIBBLERS)]
            for thread in threads:
                thread.start()

            timings: list[float] = []
            visits = 0
            while time.monotonic() - started < HEAD_TIMEOUT_SECONDS + 2:  # past the idle ones' timeout
                _visit(base, timings)
                visits += 1
            slowest = max(timings)
            print(f"{visits} visits ({len(timings)} requests) beside {IDLE} idle connections, {SLOW_HEADS} slow "
                  f"heads and {DRIBBLERS} dribbled bodies; slowest answer {slowest:.2f} s")
            assert visits >= 2 and slowest < ANSWER_WITHIN

            # Every idle connection and slow head was closed by the server after its head timeout (the wait
            # is counted from when the test starts looking, so the bound is generous).
            closed = _closed_by_server(idle + heads, within=HEAD_TIMEOUT_SECONDS + 10)
            print(f"idle connections closed by the server; the last {time.monotonic() - started:.1f} s after "
                  f"opening")
            assert len(closed) == IDLE + SLOW_HEADS
            assert time.monotonic() - started >= HEAD_TIMEOUT_SECONDS - 1  # not closed at once: timed out

            for thread in threads[1:]:
                thread.join(timeout=GRACE_SECONDS + 15)
            assert len(answers) == DRIBBLERS, "a dribbled body was neither answered nor closed"
            print("dribbled bodies:", [a.status if isinstance(a, Answer) else repr(a) for a in answers],
                  f"{time.monotonic() - started:.1f} s")
            for answer in answers:
                if isinstance(answer, Answer):
                    assert answer.status == 408 and answer.closed, (answer.status, answer.body[:300])
                    assert answer.sent < 30
                else:
                    assert isinstance(answer, (AssertionError, OSError)), repr(answer)  # closed unanswered
            stop.set()
            _visit(base, timings)  # and the server still answers afterwards
    finally:
        stop.set()
        for sock in idle + heads:
            sock.close()
        guarded.engine.dispose()
        forget_engines()
