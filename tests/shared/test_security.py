"""CSRF on every unsafe method, security headers, cookies, request ids and error mapping."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from shared.errors import Conflict, InvalidInput
from shared.ratelimit import RateLimited
from shared.runtime import Runtime
from shared.web import PUBLIC, Access, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.routing import ensure_csrf_token
from shared.web.templating import Shell

SHELL = Shell(app_key="probe", service_name="Probe service")
API = Access("api-probe", csrf=False)


def _form(ctx: RequestContext) -> Response:
    return ctx.render("probe.html") if ctx.request.method == "GET" else PlainTextResponse("saved " + ctx.field("name"))


def _raise(ctx: RequestContext) -> Response:
    kind = ctx.request.path_params["kind"]
    if kind == "invalid":
        raise InvalidInput("Bad", {"name": "Enter a name"})
    if kind == "conflict":
        raise Conflict("Already done")
    if kind == "limited":
        raise RateLimited(120)
    raise ZeroDivisionError("boom")


def _api(ctx: RequestContext) -> Response:
    return ctx.json({"got": ctx.body_json}, status_code=201)


@pytest.fixture
def probe(runtime: Runtime, tmp_path) -> TestClient:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "probe.html").write_text(
        '{% extends "shared/layout.html" %}{% block title %}Probe{% endblock %}{% block page %}<h1 class="govuk-heading-l">Probe</h1>'
        '<form method="post" novalidate><input type="hidden" name="csrf_token" value="{{ csrf_token }}">'
        '<input name="name"></form>{% endblock %}'
    )
    routes = [
        page("/form", _form, name="form", access=PUBLIC, methods=("GET", "POST")),
        page("/raise/{kind}", _raise, name="raise", access=PUBLIC, methods=("GET", "POST")),
        page("/api/things", _api, name="api", access=API, methods=("POST",), api=True),
        page("/", _form, name="start", access=PUBLIC),
    ]
    app = create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=templates)
    return TestClient(app, raise_server_exceptions=False)


def _token(client: TestClient) -> str:
    html = client.get("/form").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_post_with_the_session_token_is_accepted(probe: TestClient) -> None:
    token = _token(probe)
    response = probe.post("/form", data={"csrf_token": token, "name": "Ada"})
    assert response.status_code == 200 and response.text == "saved Ada"


@pytest.mark.parametrize("data", [{"name": "x"}, {"csrf_token": "forged", "name": "x"}])
def test_missing_or_wrong_csrf_token_is_a_govuk_400(probe: TestClient, check_page, data) -> None:
    _token(probe)
    check_page(probe.post("/form", data=data), status=400, title="Sorry, we could not accept your form")


def test_csrf_token_from_another_session_is_refused(probe: TestClient, runtime: Runtime) -> None:
    token = _token(probe)
    other = TestClient(probe.app, raise_server_exceptions=False)
    other.get("/form")
    assert other.post("/form", data={"csrf_token": token}).status_code == 400


def test_bearer_api_is_exempt_but_malformed_json_is_a_problem(probe: TestClient) -> None:
    ok = probe.post("/api/things", json={"a": 1})
    assert ok.status_code == 201 and ok.json() == {"got": {"a": 1}}
    bad = probe.post("/api/things", content=b"{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["status"] == 400 and bad.json()["title"]


def test_headers_and_cookie_flags(probe: TestClient, check_page) -> None:
    response = probe.get("/form")
    check_page(response, title="Probe")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert "strict-transport-security" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    other = probe.get("/form")
    assert other.headers["content-security-policy"] != csp  # a fresh nonce each time


def test_notify_header_set_is_on_every_page_and_error(probe: TestClient) -> None:
    """GOV.UK Notify's set: COOP and CORP same-origin, and a Permissions-Policy that denies powerful features."""
    for response in (probe.get("/form"), probe.get("/raise/boom"), probe.get("/nowhere"), probe.get("/static/civic.js")):
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        assert response.headers["cross-origin-resource-policy"] == "same-origin"
        policy = response.headers["permissions-policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "fullscreen"):
            assert f"{feature}=()" in policy
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_secrets_are_redacted_from_log_lines() -> None:
    import logging

    from shared.web.security import RedactSecrets, redact_secrets

    token = "n4i8PMrTjT01sHizspxHkFBDlEuUwnPpa4RBOZlvwx0"
    assert redact_secrets(f"/secure-share/s/{token}") == "/secure-share/s/[redacted]"
    assert redact_secrets(f"/secure-share/s/{token}/documents/3?x=1") == "/secure-share/s/[redacted]/documents/3?x=1"
    assert redact_secrets(f"/capture/confirm?token={token}&a=b") == "/capture/confirm?token=[redacted]&a=b"
    assert redact_secrets("/backoffice/cases/FOI-2026-00012/attachments/4") == "/backoffice/cases/FOI-2026-00012/attachments/4"
    # uvicorn's access log: the path is one of the record's arguments.
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/secure-share/s/{token}/documents", "1.1", 200), None)
    assert RedactSecrets().filter(record) is True
    assert token not in record.getMessage() and "/secure-share/s/[redacted]/documents" in record.getMessage()
    other = logging.LogRecord("civic.errors", logging.ERROR, __file__, 1, f"unhandled error on /s/{token}", None, None)
    RedactSecrets().filter(other)
    assert token not in other.getMessage()


def test_the_request_log_line_keeps_no_token(probe: TestClient, caplog) -> None:
    import logging

    token = "n4i8PMrTjT01sHizspxHkFBDlEuUwnPpa4RBOZlvwx0"
    with caplog.at_level(logging.INFO, logger="civic.access"):
        probe.get(f"/s/{token}")
    lines = [r.getMessage() for r in caplog.records if r.name == "civic.access"]
    assert lines and all(token not in line for line in lines) and "[redacted]" in lines[-1]


def test_https_base_url_gives_secure_cookies_and_hsts(runtime: Runtime, tmp_path) -> None:
    secure = Runtime(dataclasses.replace(runtime.settings, base_url="https://example.gov.uk"), runtime.engine, runtime.factory)
    from tests.conftest import spec

    response = TestClient(spec("capture").create_app(secure), base_url="https://testserver").get("/")
    assert "max-age=31536000" in response.headers["strict-transport-security"]
    assert "secure" in response.headers["set-cookie"].lower()


def test_request_id_is_echoed_or_made(probe: TestClient) -> None:
    assert probe.get("/form", headers={"X-Request-ID": "abcdef123456"}).headers["x-request-id"] == "abcdef123456"
    made = probe.get("/form", headers={"X-Request-ID": "<script>"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_domain_errors_map_to_pages(probe: TestClient, check_page) -> None:
    check_page(probe.get("/raise/conflict"), status=409, title="This has already been changed")
    page = probe.get("/raise/limited")
    check_page(page, status=429, title="Sorry, you have made too many requests")
    assert page.headers["retry-after"] == "120" and "Wait 2 minutes" in page.text
    crash = probe.get("/raise/crash")
    check_page(crash, status=500, title="Sorry, there is a problem with the service")
    assert "ZeroDivisionError" not in crash.text and "boom" not in crash.text


def test_oversized_body_is_a_413_page(probe: TestClient, check_page, runtime: Runtime) -> None:
    token = _token(probe)
    big = "x" * (runtime.settings.max_upload_bytes + 100_000)
    check_page(probe.post("/form", data={"csrf_token": token, "name": big}), status=413,
               title="The file or form you sent is too large")


def test_failed_handler_commits_nothing(runtime: Runtime) -> None:
    """A handler that raises after writing leaves no trace: the request's session rolls back."""
    from sqlalchemy import func, select

    from shared import audit

    def writes_then_fails(ctx: RequestContext) -> Response:
        audit.record(ctx.db, ctx.anonymous_actor(), "probe.write", "probe", 1)
        ctx.db.flush()
        raise InvalidInput("no", {"x": "y"})

    routes = [page("/", writes_then_fails, name="start", access=PUBLIC, writes_on_get=True)]
    app = create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=None)
    assert TestClient(app, raise_server_exceptions=False).get("/").status_code == 422
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(audit.AuditEvent)) == 0


def test_a_get_that_writes_without_saying_so_fails_and_stores_nothing(runtime: Runtime) -> None:
    """GETs are read-only transactions unless the route declares ``writes_on_get``."""
    from sqlalchemy import func, select

    from shared import audit

    def writes(ctx: RequestContext) -> Response:
        audit.record(ctx.db, ctx.anonymous_actor(), "probe.write", "probe", 1)
        ctx.db.flush()
        return PlainTextResponse("written")

    routes = [page("/quiet", writes, name="quiet", access=PUBLIC),
              page("/declared", writes, name="declared", access=PUBLIC, writes_on_get=True)]
    client = TestClient(create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=None),
                        raise_server_exceptions=False)
    assert client.get("/quiet").status_code >= 500
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(audit.AuditEvent)) == 0
    assert client.get("/declared").status_code == 200
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(audit.AuditEvent)) == 1


def test_a_failed_or_refused_request_keeps_only_its_last_writes(runtime: Runtime) -> None:
    """``write_last``: those writes stand when the rest of the request fails, or when they refuse it."""
    from sqlalchemy import select

    from shared import audit

    def keeps_one(ctx: RequestContext) -> Response:
        if ctx.request.method == "GET":
            return PlainTextResponse(ensure_csrf_token(ctx.request) + " " + str(ctx.request.session.get("done", [])))
        fail = ctx.field("fail")

        def last(session: Session) -> Exception | None:
            audit.record(session, ctx.anonymous_actor(), "probe.kept", "probe", 1)
            return RateLimited(30) if fail == "refuse" else None

        ctx.write_last(last)
        ctx.request.session["done"] = [*ctx.request.session.get("done", []), fail]
        audit.record(ctx.db, ctx.anonymous_actor(), "probe.undone", "probe", 2)
        ctx.db.flush()
        if fail == "raise":
            raise ZeroDivisionError("boom")
        return PlainTextResponse("no", status_code=422 if fail == "yes" else 200)

    routes = [page("/", keeps_one, name="start", access=PUBLIC, methods=("GET", "POST"))]
    client = TestClient(create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=None),
                        raise_server_exceptions=False)
    csrf = {"x-csrf-token": client.get("/").text.split()[0]}
    for fail, status in (("yes", 422), ("raise", 500), ("refuse", 429), ("", 200)):
        assert client.post("/", data={"fail": fail}, headers=csrf).status_code == status
    # The refused request's change to the cookie session was undone with its other work.
    assert client.get("/").text.endswith("['yes', 'raise', '']")
    with runtime.factory() as session:
        actions = session.scalars(select(audit.AuditEvent.action).order_by(audit.AuditEvent.id)).all()
    # One kept write per request (the refused one's is not counted twice); only the last request's work stands.
    assert actions == ["probe.kept", "probe.kept", "probe.kept", "probe.undone", "probe.kept"]


@pytest.mark.parametrize("where", ["field", "header"])
def test_a_non_ascii_csrf_token_is_a_400_not_a_crash(probe: TestClient, check_page, where: str) -> None:
    _token(probe)
    if where == "field":
        response = probe.post("/form", data={"csrf_token": "tökén-ß", "name": "x"})
    else:
        response = probe.post("/form", data={"name": "x"}, headers={"X-CSRF-Token": "tökén".encode()})
    check_page(response, status=400, title="Sorry, we could not accept your form")


def test_deeply_nested_json_is_a_400_problem_not_a_crash(probe: TestClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for headers in ({}, {"x-csrf-token": _token(probe)}):
        path = "/api/things" if not headers else "/form"
        response = probe.post(path, content=deep, headers={"content-type": "application/json", **headers})
        assert response.status_code == 400, (path, response.status_code)
        if path.startswith("/api/"):
            assert response.headers["content-type"] == "application/problem+json"
    # Parsed fine, but deeper than any request needs: refused before a handler recurses into it.
    nested = b"[" * 200 + b"]" * 200
    assert probe.post("/api/things", content=nested, headers={"content-type": "application/json"}).status_code == 400
    assert probe.post("/api/things", json={"a": [[{"b": 1}]]}).status_code == 201


def test_a_download_keeps_its_own_stricter_policy(runtime: Runtime) -> None:
    """Attachment downloads send ``sandbox``; the page policy must not replace it."""
    from shared.files import StoredFile, download_headers

    stored = StoredFile(original_name="letter.html", content_type="text/html", size=4)

    def download(_ctx: RequestContext) -> Response:
        return Response(b"<b>x", headers=download_headers(stored))

    routes = [page("/download", download, name="download", access=PUBLIC), page("/", _form, name="start", access=PUBLIC)]
    client = TestClient(create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=None))
    response = client.get("/download")
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "private, no-store"
    assert "'nonce-" in client.get("/accessibility").headers["content-security-policy"]
