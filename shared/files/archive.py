""""Download all": several stored files as one ZIP, streamed as it is made.

No temporary file and no member in memory: the archive is written as it is sent, 1MiB at a time,
by ``zipstream-ng``. Why that library and not uktrade's ``stream-zip``: both are kept up and both
write ZIP64 past 4GB, but for an uncompressed (stored) member ``stream-zip`` either buffers the
whole member in memory to learn its CRC-32 first (``NO_COMPRESSION_64``) or needs the CRC-32 given
up front (``NO_COMPRESSION_64(size, crc)``), which we do not keep (we keep the SHA-256), so every
file would be read twice. ``zipstream-ng`` writes the CRC and sizes in a data descriptor after each
member, reading each file once; and since the members are stored (the documents are PDFs and
Office files, compressed already), it knows the archive's exact length before the first byte
(``sized=True``), so the download has a ``Content-Length`` and a browser shows real progress.
ZIP64 records are written where needed (a member of 4GB or more, an archive past 4GB, or more than
65,535 members). Each member's date is its stored file's modification time, which is when it was
uploaded: the library takes a member's date only from the file.

There are no ranges here: an archive made on the fly cannot start half way without making the
first half again, so ``Accept-Ranges: none`` says so and a client restarts from the beginning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from zipstream import ZIP_STORED, ZipStream

from shared.files.kinds import extension_of
from shared.files.service import clean_name
from shared.web.downloads import CHUNK, OnFinish, TrackedResponse


@dataclass(frozen=True)
class ZipMember:
    """One file of the archive: the name it has inside, where its bytes are, and their size.

    ``size`` is checked against the file before anything is sent, so a stored file that is not what
    its row says fails the request cleanly instead of cutting the archive short.
    """

    name: str
    path: Path
    size: int


class MemberChanged(RuntimeError):
    """A member's bytes on disk are not the size its caller said: the archive is not started."""


def unique_names(names: Iterable[str]) -> list[str]:
    """Each name cleaned (no folders, no control characters) and made unique, ignoring case, as a
    Windows or macOS folder would: ``letter.pdf``, ``letter (2).pdf``, ``Letter (3).pdf``."""
    taken: set[str] = set()
    result = []
    for raw in names:
        name = clean_name(raw) or "file"
        extension = extension_of(name)
        stem = name[: len(name) - len(extension)] if extension else name
        candidate, number = name, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{stem} ({number}){name[len(stem):]}"
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def zip_stream(members: Sequence[ZipMember]) -> ZipStream:
    """The sized, stored ZipStream of ``members`` (``len()`` is the archive's exact size)."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for member, name in zip(members, unique_names(m.name for m in members), strict=True):
        actual = os.stat(member.path).st_size
        if actual != member.size:
            raise MemberChanged(f"{member.path} has {actual} bytes, not {member.size}")
        archive.add_path(str(member.path), name)
    return archive


def zip_response(
    request: Request,
    members: Sequence[ZipMember],
    *,
    filename: str,
    on_finish: OnFinish | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A streamed ZIP of ``members``, offered for download as ``filename`` (``.zip`` added if missing).

    GET streams it; HEAD answers the same headers. ``on_finish(bytes_sent, complete)`` is called
    once per GET when the archive has been sent whole (complete) or the client went away, in a worker
    thread outside any request transaction, exactly as for ``shared.web.downloads.file_response``.
    ``headers`` are added (say ``Cache-Control``); the type, length and disposition are set here.
    Raises :class:`MemberChanged` (before any byte) if a member's file is not its stated size.
    """
    archive = zip_stream(members)
    length = len(archive)
    name = clean_name(filename) or "download"
    if not name.lower().endswith(".zip"):
        name += ".zip"
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "download.zip"
    out = MutableHeaders(headers=dict(headers or {}))
    out["Content-Type"] = "application/zip"
    out["Content-Length"] = str(length)
    out["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    out["Accept-Ranges"] = "none"
    out["X-Content-Type-Options"] = "nosniff"
    is_get = request.method == "GET"
    return TrackedResponse(
        status_code=200,
        headers=out,
        length=length,
        open_chunks=lambda: _batched(iter(archive), CHUNK),
        on_finish=on_finish if is_get else None,
        head=not is_get,
    )


def _batched(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Join the library's 64KiB pieces into ``size``-byte messages: fewer thread hops, same memory bound."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)
