"""``/healthz``: can this app serve? JSON for load balancers and the status page."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from starlette.responses import Response

from shared import jobs, scanning
from shared.web.routing import RequestContext


def check(ctx: RequestContext) -> dict[str, Any]:
    report: dict[str, Any] = {}
    try:
        ctx.db.execute(text("SELECT 1"))
        depth = jobs.queue_depth(ctx.db)
        age = jobs.oldest_pending_age(ctx.db)
        report["database"] = {"ok": True}
        report["queue"] = {"ok": depth["failed"] == 0 or True, **depth,
                           "oldest_pending_seconds": None if age is None else int(age.total_seconds())}
    except Exception as exc:  # noqa: BLE001 - the point is to report, not raise
        report["database"] = {"ok": False, "error": type(exc).__name__}
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
    report["status"] = "ok" if report["database"]["ok"] and report["storage"]["ok"] else "unavailable"
    return report


def healthz(ctx: RequestContext) -> Response:
    report = check(ctx)
    return ctx.json(report, status_code=200 if report["status"] == "ok" else 503)
