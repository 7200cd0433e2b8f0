"""/healthz says whether each app can serve: 200 when it can, 503 when it cannot."""

from __future__ import annotations

import dataclasses

import pytest
from starlette.testclient import TestClient

from shared import jobs
from shared.runtime import Runtime
from tests.conftest import SPECS, spec


@pytest.mark.parametrize("key", [s.key for s in SPECS])
def test_healthy(app_client, key: str) -> None:  # type: ignore[no-untyped-def]
    response = app_client(key).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["storage"] == {"ok": True}
    assert body["clamd"]["ok"] is False and body["clamd"]["required"] is False  # no clamd in this test
    assert body["queue"]["pending"] == 0


def test_queue_depth_is_reported(app_client, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.factory() as session, session.begin():
        jobs.enqueue(session, "mail.send", {"id": 1})
    body = app_client("capture").get("/healthz").json()
    assert body["queue"]["pending"] == 1 and body["queue"]["oldest_pending_seconds"] >= 0


def test_database_unreachable_is_503(runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = Runtime.from_settings(
        dataclasses.replace(runtime.settings, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db")
    )
    response = TestClient(spec("capture").create_app(broken), raise_server_exceptions=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False and response.json()["status"] == "unavailable"


def test_storage_unwritable_is_503(runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data directory should be")
    broken = Runtime(dataclasses.replace(runtime.settings, data_dir=blocked), runtime.engine, runtime.factory)
    response = TestClient(spec("backoffice").create_app(broken), raise_server_exceptions=False).get("/healthz")
    assert response.status_code == 503 and response.json()["storage"]["ok"] is False


def test_a_database_outage_on_a_page_is_the_govuk_503(runtime: Runtime, tmp_path, check_page) -> None:  # type: ignore[no-untyped-def]
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
