"""/healthz says whether each app can serve: 200 when it can, 503 when it cannot."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from shared import jobs
from shared.runtime import Runtime
from tests.conftest import SPECS, spec, starlette_app

#: /healthz gives its details only to internal callers: loopback, or a trusted proxy calling for itself.
INTERNAL: dict[str, Any] = {"client": ("127.0.0.1", 50000)}


@pytest.mark.parametrize("key", [s.key for s in SPECS])
def test_healthy(app_client, key: str) -> None:
    response = app_client(key, **INTERNAL).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["storage"] == {"ok": True}
    assert body["clamd"]["ok"] is False and body["clamd"]["required"] is False  # no clamd in this test
    assert body["queue"]["pending"] == 0


def test_queue_depth_is_reported(app_client, runtime: Runtime) -> None:
    with runtime.factory() as session, session.begin():
        jobs.enqueue(session, "mail.send", {"id": 1})
    body = app_client("capture", **INTERNAL).get("/healthz").json()
    assert body["queue"]["pending"] == 1 and body["queue"]["oldest_pending_seconds"] >= 0


def test_database_unreachable_is_503(runtime: Runtime, tmp_path) -> None:
    broken = Runtime.from_settings(
        dataclasses.replace(runtime.settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    )
    response = TestClient(spec("capture").create_app(broken), raise_server_exceptions=False, **INTERNAL).get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False and response.json()["status"] == "unavailable"


def test_storage_unwritable_is_503(runtime: Runtime, tmp_path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data directory should be")
    broken = Runtime(dataclasses.replace(runtime.settings, data_dir=blocked), runtime.engine, runtime.factory)
    response = TestClient(spec("backoffice").create_app(broken), raise_server_exceptions=False, **INTERNAL).get("/healthz")
    assert response.status_code == 503 and response.json()["storage"]["ok"] is False


def test_a_database_outage_on_a_page_is_the_govuk_503(runtime: Runtime, tmp_path, check_page) -> None:
    from sqlalchemy import text
    from starlette.responses import Response

    from shared.web import PUBLIC, RequestContext, page
    from shared.web.factory import create_web_app
    from shared.web.templating import Shell

    def needs_db(ctx: RequestContext) -> Response:
        ctx.db.execute(text("SELECT 1"))
        return ctx.render("shared/error.html", {"heading": "unreachable", "paragraphs": []})

    broken = Runtime.from_settings(
        dataclasses.replace(runtime.settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    )
    app = create_web_app(broken, shell=Shell("probe", "Probe"), routes=[page("/", needs_db, name="start", access=PUBLIC)],
                         templates_dir=None)
    response = TestClient(app, raise_server_exceptions=False).get("/")
    check_page(response, status=503, title="Sorry, the service is unavailable")
    assert response.headers["retry-after"] == "30"


def test_anonymous_callers_get_only_the_overall_status(app_client, runtime: Runtime, tmp_path) -> None:
    stranger = app_client("capture", client=("203.0.113.9", 40000))
    response = stranger.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert app_client("capture").get("/healthz").json() == {"status": "ok"}  # "testclient" is no address of ours
    broken = Runtime.from_settings(
        dataclasses.replace(runtime.settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    )
    down = TestClient(spec("capture").create_app(broken), raise_server_exceptions=False).get("/healthz")
    assert down.status_code == 503 and down.json() == {"status": "unavailable"}


def test_a_trusted_proxy_calling_for_itself_is_internal_but_not_who_it_forwards(runtime: Runtime) -> None:
    behind = Runtime(dataclasses.replace(runtime.settings, trusted_proxies=("10.0.0.0/8",)), runtime.engine,
                     runtime.factory)
    client = TestClient(spec("capture").create_app(behind), client=("10.1.2.3", 40000))
    assert "database" in client.get("/healthz").json()
    assert client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}).json() == {"status": "ok"}


def test_a_job_that_gave_up_makes_the_queue_not_ok_but_the_app_still_serves(app_client, runtime: Runtime) -> None:
    from shared.db import utcnow

    with runtime.factory() as session, session.begin():
        session.add(jobs.Job(kind="mail.send", status=jobs.FAILED, attempts=8, finished_at=utcnow()))
    response = app_client("capture", **INTERNAL).get("/healthz")
    assert response.status_code == 200  # load balancers keep sending traffic: the web app can serve
    body = response.json()
    assert body["queue"]["ok"] is False and body["queue"]["failed_recently"] == 1
    assert body["status"] == "degraded"


def test_a_job_waiting_too_long_makes_the_queue_not_ok(app_client, runtime: Runtime) -> None:
    import datetime as dt

    from shared.db import utcnow
    from shared.web.health import QUEUE_WAIT_LIMIT

    with runtime.factory() as session, session.begin():
        jobs.enqueue(session, "mail.send", run_at=utcnow() - QUEUE_WAIT_LIMIT - dt.timedelta(minutes=1))
    body = app_client("capture", **INTERNAL).get("/healthz").json()
    assert body["queue"]["ok"] is False and body["queue"]["oldest_pending_seconds"] > QUEUE_WAIT_LIMIT.total_seconds()
    assert body["status"] == "degraded"


def test_old_failures_and_future_retries_leave_the_queue_ok(app_client, runtime: Runtime) -> None:
    import datetime as dt

    from shared.db import utcnow

    with runtime.factory() as session, session.begin():
        session.add(jobs.Job(kind="mail.send", status=jobs.FAILED, finished_at=utcnow() - dt.timedelta(days=3)))
        jobs.enqueue(session, "mail.send", run_at=utcnow() + dt.timedelta(hours=1))
    body = app_client("capture", **INTERNAL).get("/healthz").json()
    assert body["queue"]["ok"] is True and body["status"] == "ok"


def test_the_checks_are_cached_briefly(runtime: Runtime, tmp_path) -> None:
    """A burst of calls writes one probe file and pings clamd once; a failure shows once the cache expires."""
    data_dir = tmp_path / "healthz-data"
    data_dir.mkdir()
    rt = Runtime(dataclasses.replace(runtime.settings, data_dir=data_dir), runtime.engine, runtime.factory)
    app = starlette_app("capture", rt)
    client = TestClient(app, raise_server_exceptions=False, **INTERNAL)
    assert client.get("/healthz").status_code == 200
    data_dir.rmdir()
    data_dir.write_text("a file where the data directory was")
    assert client.get("/healthz").status_code == 200  # the cached report
    app.state.health.expire()
    assert client.get("/healthz").status_code == 503
