"""shared.files.archive: "Download all" as a streamed ZIP, read back with Python's zipfile."""

from __future__ import annotations

import io
import os
import struct
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from zipstream import ZipStream

from shared.files import archive
from shared.web import downloads


def write(tmp_path: Path, name: str, data: bytes) -> archive.ZipMember:
    path = tmp_path / f"stored-{len(list(tmp_path.iterdir()))}"
    path.write_bytes(data)
    return archive.ZipMember(name=name, path=path, size=len(data))


def app(members: Sequence[archive.ZipMember], finished: list[tuple[int, bool]]) -> Starlette:
    async def endpoint(request: Request) -> Response:
        return archive.zip_response(
            request,
            members,
            filename="FOI-2026-0042 documents",
            on_finish=lambda sent, complete: finished.append((sent, complete)),
            headers={"Cache-Control": "private, no-store"},
        )

    return Starlette(routes=[Route("/all", endpoint, methods=["GET", "HEAD"])])


def test_the_archive_holds_every_file_byte_for_byte(tmp_path: Path) -> None:
    big = os.urandom(3 * downloads.CHUNK + 5)
    members = [
        write(tmp_path, "letter.pdf", b"%PDF-1.4 first"),
        write(tmp_path, "letter.pdf", b"%PDF-1.4 second"),
        write(tmp_path, "Letter.PDF", b"%PDF-1.4 third"),
        write(tmp_path, "figures.xlsx", big),
        write(tmp_path, "Café ‘notes’.txt", "été\n".encode()),
    ]
    finished: list[tuple[int, bool]] = []
    with TestClient(app(members, finished)) as client:
        response = client.get("/all")
        head = client.head("/all")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"FOI-2026-0042 documents.zip\"; filename*=UTF-8''FOI-2026-0042%20documents.zip"
    )
    assert response.headers["accept-ranges"] == "none"
    assert response.headers["cache-control"] == "private, no-store"
    assert head.content == b"" and head.headers["content-length"] == response.headers["content-length"]
    assert finished == [(len(response.content), True)]  # once: not for HEAD

    with zipfile.ZipFile(io.BytesIO(response.content)) as opened:
        assert opened.testzip() is None  # every CRC checks
        assert opened.namelist() == [
            "letter.pdf", "letter (2).pdf", "Letter (3).PDF", "figures.xlsx", "Café ‘notes’.txt"
        ]
        for info, member in zip(opened.infolist(), members, strict=True):
            assert info.compress_type == zipfile.ZIP_STORED
            assert opened.read(info) == member.path.read_bytes()


def test_names_are_made_unique_and_safe() -> None:
    assert archive.unique_names(["a.pdf", "A.pdf", "a.pdf", "a (2).pdf", "../../etc/passwd", "", "notes"]) == [
        "a.pdf", "A (2).pdf", "a (3).pdf", "a (2) (2).pdf", "passwd", "file", "notes"
    ]


def test_a_member_that_is_not_its_stated_size_fails_before_any_byte(tmp_path: Path) -> None:
    member = write(tmp_path, "letter.pdf", b"12345")
    wrong = archive.ZipMember(name=member.name, path=member.path, size=4)
    with TestClient(app([wrong], []), raise_server_exceptions=False) as client:
        assert client.get("/all").status_code == 500
    with pytest.raises(archive.MemberChanged):
        archive.zip_stream([wrong])


def test_memory_stays_flat_the_archive_streams_in_chunks(tmp_path: Path) -> None:
    members = [write(tmp_path, f"part{n}.pdf", os.urandom(4 * 1024 * 1024)) for n in range(4)]
    pieces = list(archive._batched(iter(archive.zip_stream(members)), downloads.CHUNK))
    assert len(pieces) > 8
    assert max(len(p) for p in pieces) < downloads.CHUNK + 64 * 1024 + 1024  # at most one library piece over


def test_zip64_records_are_valid(tmp_path: Path) -> None:
    """ZIP64 without writing 4GB: zipstream-ng forces it for a member of unknown size (the same
    code path as a member past 4GB), and Python's zipfile must read it back."""
    data = os.urandom(100_000)
    forced = ZipStream(sized=False)
    forced.add(iter([data[:50_000], data[50_000:]]), "big.bin")  # no size given: ZIP64 forced
    raw = bytes(forced)
    header_extra_len = struct.unpack("<H", raw[28:30])[0]
    assert header_extra_len >= 20 and raw[30 + len("big.bin") :][:2] == b"\x01\x00"  # the ZIP64 extra field
    with zipfile.ZipFile(io.BytesIO(raw)) as opened:
        assert opened.read("big.bin") == data
        assert opened.testzip() is None


def test_a_client_leaving_is_reported_once(tmp_path: Path) -> None:
    members = [write(tmp_path, "big.pdf", os.urandom(40 * 1024 * 1024))]
    finished: list[tuple[int, bool]] = []
    done = threading.Event()

    def on_finish(sent: int, complete: bool) -> None:
        finished.append((sent, complete))
        done.set()

    async def endpoint(request: Request) -> Response:
        return archive.zip_response(request, members, filename="all.zip", on_finish=on_finish)

    from tests.shared.live import serving
    from tests.shared.test_downloads import _get_part_then_hang_up

    with serving(Starlette(routes=[Route("/file", endpoint)])) as port:
        _get_part_then_hang_up(port, keep=1024 * 1024)
        assert done.wait(10)
    assert len(finished) == 1
    assert finished[0][1] is False and finished[0][0] < 40 * 1024 * 1024
