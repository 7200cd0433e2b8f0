"""shared.web.downloads: GET and HEAD of a stored file, byte ranges, and on_finish, over TestClient and uvicorn."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from shared import audit
from shared.db import transaction
from shared.runtime import Runtime
from shared.web import downloads
from tests.shared.live import serving

MODIFIED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
HEADERS = {
    "Content-Type": "application/pdf",
    "Content-Length": "999",  # the caller's (whole-file) length is replaced
    "Content-Disposition": 'attachment; filename="letter.pdf"',
    "Cache-Control": "private, no-store",
}


@dataclass
class Served:
    path: Path
    data: bytes
    etag: str
    finished: list[tuple[int, bool, str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def app(self) -> Starlette:
        def on_finish(sent: int, complete: bool) -> None:
            self.finished.append((sent, complete, threading.current_thread().name))
            self.done.set()

        async def endpoint(request: Request) -> Response:
            return downloads.file_response(
                request,
                path=self.path,
                size=len(self.data),
                etag=self.etag,
                headers=HEADERS,
                on_finish=on_finish,
                last_modified=MODIFIED,
            )

        return Starlette(routes=[Route("/file", endpoint, methods=["GET", "HEAD"])])


def make_served(tmp_path: Path, size: int) -> Served:
    data = os.urandom(size)
    path = tmp_path / "stored"
    path.write_bytes(data)
    return Served(path=path, data=data, etag=hashlib.sha256(data).hexdigest())


@pytest.fixture
def served(tmp_path: Path) -> Served:
    return make_served(tmp_path, 3 * downloads.CHUNK + 12345)  # several chunks and a short last one


@pytest.fixture
def client(served: Served) -> Iterator[TestClient]:
    with TestClient(served.app()) as test_client:
        yield test_client


def test_the_whole_file_with_validators(client: TestClient, served: Served) -> None:
    response = client.get("/file")
    assert response.status_code == 200
    assert response.content == served.data
    assert response.headers["content-length"] == str(len(served.data))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{served.etag}"'
    assert response.headers["last-modified"] == "Wed, 04 Mar 2026 10:30:00 GMT"
    assert response.headers["content-disposition"] == 'attachment; filename="letter.pdf"'
    assert "content-range" not in response.headers
    assert served.finished[0][:2] == (len(served.data), True)
    assert served.finished[0][2] != threading.main_thread().name  # a worker thread: it may open a session


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-500", -500, None),
        ("bytes=10-10", 10, 10),
        ("BYTES = 5 - 20", 5, 20),  # unit case-insensitive, whitespace allowed
        ("bytes=0-99999999999", 0, None),  # past the end: clipped to the end
        ("bytes=-99999999999", 0, None),  # a suffix longer than the file: the whole file, as a range
        ("bytes=0-99,", 0, 99),  # an empty list element is not a range
    ],
)
def test_one_range_is_partial_content(
    client: TestClient, served: Served, header: str, first: int, last: int | None
) -> None:
    size = len(served.data)
    expected = served.data[first : None if last is None else last + 1]
    start = first % size if first < 0 else first
    end = start + len(expected) - 1
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert response.headers["content-length"] == str(len(expected))
    assert response.headers["content-type"] == "application/pdf"
    assert served.finished[0][:2] == (len(expected), end == size - 1)


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=-0", "bytes=3158073-3158080"])
def test_a_range_past_the_end_is_416(client: TestClient, served: Served, header: str) -> None:
    header = header.replace("3158073", str(len(served.data))).replace("3158080", str(len(served.data) + 7))
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(served.data)}"
    assert response.content == b""
    assert "content-disposition" not in response.headers
    assert served.finished == []


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-1,5-9",  # several ranges: the whole file, by choice
        "bytes=9-5",  # reversed
        "bytes=abc",
        "bytes=-",
        "bytes=1-2-3",
        "bytes 0-9",
        "items=0-9",
        "bytes=" + "1" * 300 + "-",
    ],
)
def test_several_or_malformed_ranges_get_the_whole_file(client: TestClient, served: Served, header: str) -> None:
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == served.data
    assert served.finished[0][:2] == (len(served.data), True)


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        ("{etag}", 206),
        ('"something-else"', 200),
        ("W/{etag}", 200),  # a weak tag never matches
        (format_datetime(MODIFIED, usegmt=True), 206),
        (format_datetime(MODIFIED + dt.timedelta(seconds=1), usegmt=True), 200),
        ("not a date", 200),
    ],
)
def test_if_range(client: TestClient, served: Served, if_range: str, status: int) -> None:
    value = if_range.replace("{etag}", f'"{served.etag}"')
    response = client.get("/file", headers={"Range": "bytes=10-19", "If-Range": value})
    assert response.status_code == status
    assert response.content == (served.data[10:20] if status == 206 else served.data)


def test_head_gives_the_headers_and_no_body(client: TestClient, served: Served) -> None:
    get = client.get("/file")
    served.finished.clear()
    head = client.head("/file")
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-length", "content-type", "etag", "accept-ranges", "last-modified", "content-disposition"):
        assert head.headers[name] == get.headers[name]
    ranged = client.head("/file", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 200  # ranges are defined for GET only (RFC 9110 §14.2)
    assert ranged.headers["content-length"] == str(len(served.data))
    assert served.finished == []


def test_the_etag_is_quoted_once(tmp_path: Path) -> None:
    assert downloads.strong_etag("abc") == '"abc"'
    assert downloads.strong_etag('"abc"') == '"abc"'
    with pytest.raises(ValueError, match="strong ETag"):
        downloads.strong_etag('W/"abc"')


def test_a_file_missing_on_disk_fails_before_any_byte(tmp_path: Path) -> None:
    served = make_served(tmp_path, 10)
    served.path.unlink()
    with TestClient(served.app(), raise_server_exceptions=False) as test_client:
        assert test_client.get("/file").status_code == 500
    assert served.finished == []


def test_on_finish_failing_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = b"hello"
    (tmp_path / "f").write_bytes(data)

    def on_finish(_sent: int, _complete: bool) -> None:
        raise RuntimeError("database down")

    async def endpoint(request: Request) -> Response:
        return downloads.file_response(
            request, path=tmp_path / "f", size=5, etag="e", headers={}, on_finish=on_finish
        )

    with TestClient(Starlette(routes=[Route("/f", endpoint)])) as test_client:
        assert test_client.get("/f").content == data
    assert "on_finish" in caplog.text


# --- a real server, a client that goes away, and curl resuming -------------------------------------


def _get_part_then_hang_up(port: int, keep: int) -> bytes:
    """Read the headers and ``keep`` body bytes, then close the socket mid-download."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /file HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        head, body = received.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200")
        while len(body) < keep:
            body += sock.recv(65536)
        return body[:keep]


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_a_real_server_reports_a_disconnect_and_curl_resumes(tmp_path: Path) -> None:
    served = make_served(tmp_path, 48 * 1024 * 1024)  # far more than the socket buffers hold
    with serving(served.app()) as port:
        part = _get_part_then_hang_up(port, keep=2 * 1024 * 1024 + 17)
        assert served.done.wait(10), "on_finish was not called after the client hung up"
        sent, complete, _thread = served.finished[0]
        assert complete is False
        assert len(part) <= sent < len(served.data)

        served.done.clear()
        target = tmp_path / "download.pdf"
        target.write_bytes(part)
        result = subprocess.run(
            ["curl", "--silent", "--show-error", "--fail", "-C", "-", "-o", str(target), f"http://127.0.0.1:{port}/file"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert served.done.wait(10)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == served.etag
    assert served.finished[1][:2] == (len(served.data) - len(part), True)


def test_streaming_keeps_memory_flat_and_is_not_slow(tmp_path: Path) -> None:
    """A rough guard, not a benchmark: 64MB through TestClient well within a few seconds."""
    served = make_served(tmp_path, 64 * 1024 * 1024)
    started = time.monotonic()
    with TestClient(served.app()) as test_client, test_client.stream("GET", "/file") as response:
        digest = hashlib.sha256()
        largest = 0
        for chunk in response.iter_raw():
            largest = max(largest, len(chunk))
            digest.update(chunk)
    assert digest.hexdigest() == served.etag
    assert largest <= downloads.CHUNK
    assert time.monotonic() - started < 30


def test_on_finish_may_open_its_own_session(tmp_path: Path, runtime: Runtime) -> None:
    """What a download page does: record the download in a transaction of its own, after the response."""
    data = b"%PDF-1.4 the response\n"
    (tmp_path / "f").write_bytes(data)

    def on_finish(sent: int, complete: bool) -> None:
        with transaction(runtime.factory) as session:
            audit.record(session, audit.SYSTEM, "file.downloaded", "file", "f1", f"{sent} bytes", {"complete": complete})

    async def endpoint(request: Request) -> Response:
        return downloads.file_response(
            request, path=tmp_path / "f", size=len(data), etag="e", headers={}, on_finish=on_finish
        )

    with TestClient(Starlette(routes=[Route("/f", endpoint)])) as test_client:
        assert test_client.get("/f", headers={"Range": "bytes=0-3"}).content == data[:4]
    with runtime.factory() as session:
        [entry] = audit.history(session, "file", "f1")
    assert (entry.action, entry.detail) == ("file.downloaded", {"complete": False})
