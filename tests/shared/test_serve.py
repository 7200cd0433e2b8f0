"""`civic serve` mounts every app under its prefix, with / going to Capture."""

from __future__ import annotations

from starlette.testclient import TestClient

from shared.serve import create_suite
from tests.conftest import SPECS


def test_suite_mounts_the_four_apps(runtime, check_page) -> None:
    suite = create_suite(runtime, SPECS, with_worker=False)
    with TestClient(suite) as client:
        root = client.get("/", follow_redirects=False)
        assert root.status_code == 302 and root.headers["location"] == "/capture/"
        for prefix in ("/capture/", "/secure-share/", "/disclosure-log/", "/backoffice/"):
            response = client.get(prefix)
            check_page(response)
            assert f'href="{prefix}accessibility"' in response.text
            assert f'{prefix}assets/govuk-frontend-organisation.min.css' in response.text
        css = client.get("/capture/assets/govuk-frontend-organisation.min.css")
        assert css.status_code == 200 and "GDS Transport" not in css.text
        assert "url(/assets/" not in css.text
        assert client.get("/backoffice/assets/images/govuk-crest.svg").status_code == 200
        assert client.get("/capture/static/civic.js").status_code == 200
        assert client.get("/capture/static/civic.js").headers["cache-control"].startswith("public")


def test_each_app_is_warmed_before_the_suite_takes_requests(runtime) -> None:
    import dataclasses

    warmed: list[object] = []
    specs = [dataclasses.replace(spec, warm=warmed.append) if spec.key == "capture" else spec for spec in SPECS]
    suite = create_suite(runtime, specs, with_worker=False)
    assert warmed == []
    with TestClient(suite) as client:
        assert warmed == [runtime]
        assert client.get("/capture/healthz").status_code == 200
    assert warmed == [runtime]


def test_in_process_worker_runs_jobs(runtime) -> None:
    import time

    from shared import jobs

    with runtime.factory() as session, session.begin():
        jobs.enqueue(session, "housekeeping.tidy")
    suite = create_suite(runtime, SPECS, with_worker=True)
    with TestClient(suite):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with runtime.factory() as session:
                if session.query(jobs.Job).filter(jobs.Job.status == jobs.DONE).count():
                    break
            time.sleep(0.1)
    with runtime.factory() as session:
        assert session.query(jobs.Job).filter(jobs.Job.status == jobs.DONE).count() >= 1


def test_unknown_url_outside_the_apps_is_the_govuk_404(runtime, check_page) -> None:
    suite = create_suite(runtime, SPECS, with_worker=False)
    with TestClient(suite) as client:
        response = client.get("/no-such-page")
        check_page(response, status=404, title="Page not found")
        assert 'href="/capture/accessibility"' in response.text


def test_connections_to_several_processes_keep_tcp_nodelay() -> None:
    """Without it every keep-alive request after the first waits ~40 ms for a delayed ACK (uvicorn #3149)."""
    import asyncio
    import socket

    from uvicorn import Config

    from shared.serve import bind_tcp

    listener = bind_tcp(Config("shared.serve:suite_with_worker", host="127.0.0.1", port=0, workers=2))
    assert listener.proto == socket.IPPROTO_TCP

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        async with server:
            _, client = await asyncio.open_connection(*listener.getsockname()[:2])
            value = await asyncio.wait_for(seen, timeout=5)
            client.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0


def test_every_path_under_a_mount_reaches_its_app(runtime, check_page) -> None:
    """A newline (``%0A``) in a path must not send it to another app's 404."""
    suite = create_suite(runtime, SPECS, with_worker=False)
    with TestClient(suite) as client:
        for path in ("/backoffice/api/v1/cases/ABC%0A", "/backoffice/api/v1/cases/ABC%0Ax", "/backoffice/api/v1/%0A/x"):
            response = client.get(path)
            assert response.status_code in (401, 404), path
            assert response.headers["content-type"] == "application/problem+json", path
            assert "civic_capture" not in response.headers.get("set-cookie", ""), path
        # The API's route is still reached with the newline in its parameter: it asks for a token.
        assert client.get("/backoffice/api/v1/cases/ABC%0A").status_code == 401
        page = client.get("/disclosure-log/a%0Ab")
        check_page(page, status=404, title="Page not found")
        assert "civic_disclosurelog" in page.headers["set-cookie"]


def test_uvicorn_logs_through_the_redacting_filter() -> None:
    """``civic serve`` hands uvicorn this config: no handler of uvicorn's writes a link's token."""
    import io
    import logging
    import logging.config

    from shared.serve import log_config

    config = log_config()
    assert all("redact_secrets" in handler["filters"] for handler in config["handlers"].values())
    stream = io.StringIO()
    config["handlers"]["access"]["stream"] = stream
    config["handlers"]["access"].pop("class")
    config["handlers"]["access"]["()"] = lambda stream: logging.StreamHandler(stream)
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    before = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate,
                     logging.getLogger(name).level) for name in names}
    token = "n4i8PMrTjT01sHizspxHkFBDlEuUwnPpa4RBOZlvwx0"
    try:
        logging.config.dictConfig(config)
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                 f"/secure-share/s/{token}/documents/1", "1.1", 200)
    finally:  # the loggers as they were, for the tests after this one
        for name, (handlers, propagate, level) in before.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.propagate, logger.level = propagate, level
    written = stream.getvalue()
    assert "/secure-share/s/[redacted]/documents/1" in written and token not in written
