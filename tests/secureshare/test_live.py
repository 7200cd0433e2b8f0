"""A real server: a download cut off half way is "stopped at N MB", and ``curl -C -`` finishes it identically."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from shared.runtime import Runtime
from shared.serve import create_suite
from tests.conftest import SPECS
from tests.secureshare.conftest import EMAIL, FIREFOX, Shares, link
from tests.shared.live import serving

SIZE = 24 * 1024 * 1024  # far more than the socket buffers hold


def _sign_in(port: int, token: str) -> str:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"User-Agent": FIREFOX}) as client:
        page = client.get(link(token))
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        signed = client.post(link(token), data={"csrf_token": csrf.group(1), "email": EMAIL}, follow_redirects=True)
        assert signed.status_code == 200 and "Your documents" in signed.text
        file_id = re.findall(r'/documents/(\d+)"', signed.text)[0]
        cookie = client.cookies.get("civic_share_session")
        assert cookie
        return f"{link(token)}/documents/{file_id}|{cookie}"


def _get_part_then_hang_up(port: int, path: str, cookie: str, keep: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {FIREFOX}\r\n"
                     f"Cookie: civic_share_session={cookie}\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        head, body = received.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200"), head
        while len(body) < keep:
            body += sock.recv(65536)
        return body[:keep]


def _wait_for(shares: Shares, share_id: int, kind: str, count: int = 1) -> list[str]:
    deadline = time.monotonic() + 15
    while (kinds := shares.kinds(share_id)).count(kind) < count:
        assert time.monotonic() < deadline, kinds
        time.sleep(0.05)
    return kinds


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_a_stopped_download_resumes_with_curl_and_is_identical(runtime: Runtime, shares: Shares,
                                                               tmp_path: Path) -> None:
    line = b"A line of the response document, repeated to make a large text file.\n"
    body = line * (SIZE // len(line))
    shares.settings = dataclasses.replace(shares.settings, max_upload_bytes=2 * SIZE)  # above MAX_UPLOAD_MB's default
    sent = shares.send(("large.txt", body))
    with serving(create_suite(runtime, SPECS, with_worker=False)) as port:
        path, cookie = _sign_in(port, sent.token).split("|")
        part = _get_part_then_hang_up(port, path, cookie, keep=3 * 1024 * 1024 + 17)
        kinds = _wait_for(shares, sent.share.id, "download_stopped")
        assert "downloaded" not in kinds
        target = tmp_path / "large.txt"
        target.write_bytes(part)
        result = subprocess.run(
            ["curl", "--silent", "--show-error", "--fail", "-C", "-", "-o", str(target), "-A", FIREFOX,
             "-H", f"Cookie: civic_share_session={cookie}", f"http://127.0.0.1:{port}{path}"],
            capture_output=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        _wait_for(shares, sent.share.id, "downloaded")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
    assert shares.share(sent.share.id).first_downloaded_at is not None
