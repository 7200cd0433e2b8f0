"""``/healthz``: can this app serve? The status for load balancers, the details for us.

``status`` is ``ok``; ``degraded`` when the app serves but its background work
is behind (the queue is not ok) — still 200, since taking this process out of
a load balancer would not help; or ``unavailable`` (503) when the database or
the file store cannot be used. clamd is reported but not required: without it
uploads wait in quarantine.

The queue is ok when no job has given up in the last :data:`FAILED_WINDOW` and
no job that is due has waited longer than :data:`QUEUE_WAIT_LIMIT` (a retry
waiting for its time is not late).

The checks (a query, a file written in DATA_DIR, a clamd ping) are done at most
once per :data:`CACHE_SECONDS` per process, however often strangers call. Only
internal callers (:func:`shared.web.proxies.is_internal`: loopback, or a
trusted proxy calling for itself) get the details; anyone else gets the status.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from starlette.responses import Response

from shared import jobs, scanning
from shared.db import utcnow
from shared.web.proxies import is_internal
from shared.web.routing import RequestContext

CACHE_SECONDS = 10.0
QUEUE_WAIT_LIMIT = dt.timedelta(minutes=15)
FAILED_WINDOW = dt.timedelta(hours=24)


class HealthCache:
    """The last report of one app in this process, reused until it is :data:`CACHE_SECONDS` old."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._report: dict[str, Any] | None = None
        self._at = 0.0

    def get(self, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:  # one check at a time; callers meanwhile wait for its answer
            if self._report is None or time.monotonic() - self._at >= self.ttl:
                self._report = compute()
                self._at = time.monotonic()
            return self._report

    def expire(self) -> None:
        with self._lock:
            self._report = None


def _queue(ctx: RequestContext) -> dict[str, Any]:
    depth = jobs.queue_depth(ctx.db)
    age = jobs.oldest_pending_age(ctx.db)
    failed_recently = ctx.db.scalar(
        select(func.count()).select_from(jobs.Job)
        .where(jobs.Job.status == jobs.FAILED, jobs.Job.finished_at >= utcnow() - FAILED_WINDOW)
    ) or 0
    waited = None if age is None else int(age.total_seconds())
    ok = failed_recently == 0 and (age is None or age <= QUEUE_WAIT_LIMIT)
    return {"ok": ok, **depth, "failed_recently": int(failed_recently), "oldest_pending_seconds": waited}


def check(ctx: RequestContext) -> dict[str, Any]:
    report: dict[str, Any] = {}
    try:
        ctx.db.execute(text("SELECT 1"))
        report["database"] = {"ok": True}
        report["queue"] = _queue(ctx)
    except Exception as exc:  # noqa: BLE001 - the point is to report, not raise
        report["database"] = {"ok": False, "error": type(exc).__name__}
        report["queue"] = {"ok": False}
    storage = ctx.settings.data_dir
    try:
        probe = storage / f".healthz-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
        report["storage"] = {"ok": True}
    except OSError as exc:
        report["storage"] = {"ok": False, "error": exc.strerror or type(exc).__name__}
    # Without clamd the service still serves: uploads wait in quarantine.
    report["clamd"] = {"ok": scanning.ping(ctx.settings, timeout=1.0), "required": False}
    if not (report["database"]["ok"] and report["storage"]["ok"]):
        report["status"] = "unavailable"
    else:
        report["status"] = "ok" if report["queue"]["ok"] else "degraded"
    return report


def healthz(ctx: RequestContext) -> Response:
    cache: HealthCache = ctx.request.app.state.health
    report = cache.get(lambda: check(ctx))
    body = report if is_internal(ctx.request, ctx.settings) else {"status": report["status"]}
    return ctx.json(body, status_code=503 if report["status"] == "unavailable" else 200)
