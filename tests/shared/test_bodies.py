"""Request bodies are counted as they arrive: a route's limit holds whatever the headers say.

The chunked tests run a real uvicorn server and stream a body far larger than
the limit: the answer must come while most of it is still unsent, and the
server must then close the connection rather than read the rest.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.datastructures import UploadFile
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from shared.runtime import Runtime
from shared.web import PUBLIC, Access, RequestContext, bodies, page
from shared.web.factory import create_web_app
from shared.web.routing import FILE_FORM_BYTES, Page, body_ceiling
from shared.web.templating import Shell
from tests.conftest import SPECS, spec, starlette_app
from tests.shared.live import Answer, repeated, serving, stream_post

SHELL = Shell(app_key="probe", service_name="Probe service")
API = Access("api-probe", csrf=False)
MB = 1024 * 1024
#: Far past every limit: a server that reads it all before refusing fails the "early" check.
HUGE = 64 * MB
PIECE = 64 * 1024


def _form(ctx: RequestContext) -> Response:
    if ctx.request.method == "GET":
        return ctx.render("probe.html")
    return PlainTextResponse(f"saved {len(ctx.form or {})} fields")


def _api(ctx: RequestContext) -> Response:
    return ctx.json({"got": type(ctx.body_json).__name__}, status_code=201)


def _upload(ctx: RequestContext) -> Response:
    chosen = ctx.form.getlist("file") if ctx.form is not None else []
    sizes = [len(item.file.read()) for item in chosen if isinstance(item, UploadFile)]
    return PlainTextResponse(f"stored {sizes}")


@pytest.fixture
def probe_app(runtime: Runtime, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "probe.html").write_text(
        '{% extends "shared/layout.html" %}{% block title %}Probe{% endblock %}{% block page %}'
        '<h1 class="govuk-heading-l">Probe</h1><form method="post" novalidate>'
        '<input type="hidden" name="csrf_token" value="{{ csrf_token }}"></form>{% endblock %}'
    )
    routes = [
        page("/form", _form, name="form", access=PUBLIC, methods=("GET", "POST")),
        page("/upload", _upload, name="upload", access=PUBLIC, methods=("POST",), files=True),
        page("/api/things", _api, name="api", access=API, methods=("POST",), api=True),
        page("/", _form, name="start", access=PUBLIC),
    ]
    return create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=templates)


def _session(base: str, path: str = "/form") -> tuple[str, str]:
    """A cookie header and the CSRF token of a fresh browser session."""
    response = httpx.get(base + path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert token, response.text[:500]
    cookie = "; ".join(f"{name}={value}" for name, value in response.cookies.items())
    return cookie, token.group(1)


def _assert_refused_early(answer: Answer, status: int) -> None:
    assert answer.status == status, answer.body[:500]
    # The server answered while most of the body was unsent, and then stopped taking it.
    assert answer.sent < answer.total / 2, f"server read {answer.sent} of {answer.total} bytes before answering"
    assert answer.closed, "the server kept the connection open to read the rest of the body"


def _json_array(total: int) -> Iterator[bytes]:
    return repeated(b'"' + b"x" * (PIECE - 3) + b'",', total, prefix=b"[", suffix=b'"end"]')


def _fields(first: bytes, total: int, field_bytes: int = 5 * MB) -> Iterator[bytes]:
    """``first``, then fields of ``field_bytes`` each, every one below the upload size."""
    yield first
    for index in range(total // field_bytes):
        yield f"&f{index}=".encode()
        yield from repeated(b"x" * PIECE, field_bytes)


def _multipart(boundary: str, total: int, fields: dict[str, str] | None = None) -> Iterator[bytes]:
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in (fields or {}).items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
             "Content-Type: application/pdf\r\n\r\n")
    return repeated(b"%" * PIECE, total, prefix=head.encode(), suffix=f"\r\n--{boundary}--\r\n".encode())


def test_a_chunked_json_body_is_refused_as_it_arrives(probe_app) -> None:
    with serving(probe_app) as port:
        answer = stream_post(port, "/api/things", _json_array(HUGE), HUGE, {"Content-Type": "application/json"})
    _assert_refused_early(answer, 413)
    assert answer.headers["content-type"] == "application/problem+json"
    assert json.loads(answer.body)["status"] == 413


def test_a_chunked_form_of_many_large_fields_is_refused_as_it_arrives(probe_app) -> None:
    with serving(probe_app) as port:
        cookie, token = _session(f"http://127.0.0.1:{port}")
        answer = stream_post(port, "/form", _fields(f"csrf_token={token}".encode(), HUGE), HUGE,
                             {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    _assert_refused_early(answer, 413)
    assert b"The file or form you sent is too large" in answer.body


def test_a_chunked_file_part_is_refused_as_it_arrives(probe_app) -> None:
    with serving(probe_app) as port:
        cookie, token = _session(f"http://127.0.0.1:{port}")
        answer = stream_post(port, "/upload", _multipart("b0undary", HUGE), HUGE,
                             {"Content-Type": "multipart/form-data; boundary=b0undary", "Cookie": cookie,
                              "X-CSRF-Token": token})
    _assert_refused_early(answer, 413)


def test_an_anonymous_upload_to_a_staff_route_is_refused_before_it_is_read(runtime: Runtime) -> None:
    """No session: the CSRF check needs no body. A session but no staff sign-in: the access pre-check needs none."""
    backoffice = spec("backoffice").create_app(runtime)
    headers = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    with serving(backoffice) as port:
        stranger = stream_post(port, "/cases/FOI-2026-000001/attachments", _multipart("b0undary", HUGE), HUGE, headers)
        cookie, token = _session(f"http://127.0.0.1:{port}", "/sign-in")
        visitor = stream_post(port, "/cases/FOI-2026-000001/attachments",
                              _multipart("b0undary", HUGE, {"csrf_token": token}), HUGE, {**headers, "Cookie": cookie})
    _assert_refused_early(stranger, 400)
    _assert_refused_early(visitor, 303)
    assert visitor.headers["location"].endswith("/sign-in")


def test_an_api_body_without_a_token_is_refused_before_it_is_read(runtime: Runtime) -> None:
    backoffice = spec("backoffice").create_app(runtime)
    with serving(backoffice) as port:
        anonymous = stream_post(port, "/api/v1/cases", _json_array(HUGE), HUGE, {"Content-Type": "application/json"})
        forged = stream_post(port, "/api/v1/cases", _json_array(HUGE), HUGE,
                             {"Content-Type": "application/json", "Authorization": "Bearer not-a-token"})
    _assert_refused_early(anonymous, 401)
    assert anonymous.headers["content-type"] == "application/problem+json"
    # A bearer header passes the pre-check; the JSON limit then stops the body long before the upload size.
    _assert_refused_early(forged, 413)
    assert forged.sent < 16 * MB


@pytest.fixture
def probe(probe_app) -> Iterator[TestClient]:
    with TestClient(probe_app, raise_server_exceptions=False) as client:
        yield client


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/form").text)
    assert match
    return match.group(1)


def test_form_and_json_limits_fit_their_use_not_the_upload_size(probe: TestClient, runtime: Runtime) -> None:
    token = _token(probe)
    two_mb = "x" * (2 * MB)
    assert runtime.settings.max_upload_bytes > 2 * MB
    assert probe.post("/form", data={"csrf_token": token, "a": two_mb}).status_code == 413
    assert probe.post("/api/things", json=[two_mb]).status_code == 413
    assert probe.post("/api/things", json=["x" * 1000]).status_code == 201
    upload = probe.post("/upload", data={"csrf_token": token}, files={"file": ("a.pdf", b"%" * (2 * MB), "application/pdf")})
    assert upload.status_code == 200 and upload.text == f"stored [{2 * MB}]"


def test_a_file_route_refuses_more_than_its_upload_size_in_all(probe: TestClient, runtime: Runtime) -> None:
    token = _token(probe)
    half = runtime.settings.max_upload_bytes // 2 + 40_000  # together past the upload size and the form's room
    files = [("file", ("a.pdf", b"%" * half, "application/pdf")), ("file", ("b.pdf", b"%" * half, "application/pdf"))]
    assert probe.post("/upload", data={"csrf_token": token}, files=files).status_code == 413
    many = [("file", (f"{n}.txt", b"x", "text/plain")) for n in range(20)]
    assert probe.post("/upload", data={"csrf_token": token}, files=many).status_code == 400


def test_multipart_is_parsed_only_on_routes_that_take_files(probe: TestClient, check_page) -> None:
    token = _token(probe)
    refused = probe.post("/form", data={"csrf_token": token}, files={"file": ("a.txt", b"a", "text/plain")})
    check_page(refused, status=415)
    api = probe.post("/api/things", files={"file": ("a.txt", b"a", "text/plain")})
    assert api.status_code == 415 and api.headers["content-type"] == "application/problem+json"


def test_the_routes_that_take_files_say_so(runtime: Runtime) -> None:
    """Multipart is parsed only where a handler reads an upload: these routes, and no others."""
    declared = sorted(
        f"{s.key} {route.path}"
        for s in SPECS
        for route in starlette_app(s, runtime).routes
        if isinstance(route, Page) and route.files
    )
    assert declared == [
        "backoffice /api/v1/cases/{reference}/attachments",
        "backoffice /cases/import",
        "backoffice /cases/{reference}/attachments",
        "backoffice /cases/{reference}/publication/documents",
        "backoffice /cases/{reference}/send-documents/upload",
        "capture /request/{type_key}/{page_key}",
    ]


def test_a_route_may_take_larger_uploads_and_the_ceiling_follows_it(runtime: Runtime) -> None:
    """``upload_limit`` (staff response documents) raises that route's limit and the app's starting budget,
    and only for a route that takes files."""
    settings = runtime.settings

    def handler(ctx: RequestContext) -> Response:
        return PlainTextResponse("ok")

    large = page("/large", handler, name="large", access=PUBLIC, methods=("POST",), files=True,
                 upload_limit=lambda s: 50 * MB, max_file_parts=100)
    ordinary = page("/ordinary", handler, name="ordinary", access=PUBLIC, methods=("POST",), files=True)
    assert body_ceiling(settings) == settings.max_upload_bytes + FILE_FORM_BYTES
    assert body_ceiling(settings, [ordinary]) == settings.max_upload_bytes + FILE_FORM_BYTES
    assert body_ceiling(settings, [ordinary, large]) == 50 * MB + FILE_FORM_BYTES
    assert (large.upload_limit(settings), large.max_file_parts) == (50 * MB, 100)
    assert ordinary.upload_limit(settings) == settings.max_upload_bytes
    with pytest.raises(ValueError, match="only for a route that takes files"):
        page("/form", handler, name="form", access=PUBLIC, methods=("POST",), upload_limit=lambda s: MB)


def _dribble(count: int, every: float) -> Iterator[bytes]:
    for _ in range(count):
        time.sleep(every)
        yield b" "


def test_a_body_dribbled_a_byte_at_a_time_is_ended_and_others_are_served(probe_app, monkeypatch) -> None:
    """Slowloris: a body that stops coming gets 408 and a closed connection once the grace is over, and
    two hundred idle connections beside it do not stop anyone else being answered."""
    monkeypatch.setattr(bodies, "GRACE_SECONDS", 1.0)
    with serving(probe_app) as port:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
        answers: list[Answer] = []
        slow = threading.Thread(target=lambda: answers.append(stream_post(
            port, "/api/things", _dribble(40, 0.25), 40, {"Content-Type": "application/json"})))
        started = time.monotonic()
        slow.start()
        try:
            fine = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert fine.status_code == 200
            slow.join(timeout=30)
            took = time.monotonic() - started
        finally:
            for sock in idle:
                sock.close()
    assert answers, "the slow request was never answered"
    answer = answers[0]
    assert answer.status == 408 and answer.closed
    assert answer.sent < 40 and took < 10, (answer.sent, took)
    assert json.loads(answer.body)["status"] == 408


def test_a_body_that_keeps_coming_is_not_cut_off(probe_app, monkeypatch) -> None:
    monkeypatch.setattr(bodies, "GRACE_SECONDS", 0.5)
    monkeypatch.setattr(bodies, "MIN_RATE", 100)
    body = b'["' + b"x" * 400 + b'"]'
    pieces = [body[i:i + 100] for i in range(0, len(body), 100)]

    def steady() -> Iterator[bytes]:
        for piece in pieces:
            time.sleep(0.2)  # 500 bytes/s, above the 100 bytes/s asked for
            yield piece

    with serving(probe_app) as port:
        answer = stream_post(port, "/api/things", steady(), len(body), {"Content-Type": "application/json"})
    assert answer.status == 201, answer.body[:300]
