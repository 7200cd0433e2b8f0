"""Each app runs its handlers on threads of its own: a crowd on one app queues there, and another app's
request is answered while it waits."""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response

from shared.runtime import Runtime
from shared.web import PUBLIC, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.templating import Shell


def _apps(runtime: Runtime, release: threading.Event, started: list[int]) -> tuple[Starlette, Starlette]:
    def slow(_ctx: RequestContext) -> Response:
        started.append(1)
        release.wait(30)
        return PlainTextResponse("slow")

    def quick(_ctx: RequestContext) -> Response:
        return PlainTextResponse("quick")

    crowded = create_web_app(runtime, shell=Shell(app_key="crowded", service_name="Crowded"), threads=1,
                             routes=[page("/slow", slow, name="slow", access=PUBLIC)], templates_dir=None)
    other = create_web_app(runtime, shell=Shell(app_key="other", service_name="Other"),
                           routes=[page("/quick", quick, name="quick", access=PUBLIC)], templates_dir=None)
    return crowded, other


def test_a_crowded_app_queues_on_its_own_threads_and_another_app_still_answers(runtime: Runtime) -> None:
    release, started = threading.Event(), list[int]()
    crowded, other = _apps(runtime, release, started)

    async def scenario() -> tuple[list[str], str, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=crowded), base_url="http://testserver") as a, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://testserver") as b:
            waiting = [asyncio.create_task(a.get("/slow")) for _ in range(3)]
            while not started:
                await asyncio.sleep(0.01)
            quick = await asyncio.wait_for(b.get("/quick"), 20)  # answered while the crowded app is full
            await asyncio.sleep(0.2)
            running_while_full = len(started)  # its one thread is taken: the other two wait their turn
            release.set()
            done = await asyncio.gather(*waiting)
            return [r.text for r in done], quick.text, running_while_full

    try:
        slow, quick, running = asyncio.run(scenario())
    finally:
        release.set()
    assert quick == "quick"
    assert running == 1
    assert slow == ["slow"] * 3 and len(started) == 3
