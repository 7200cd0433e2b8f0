"""Bytes on disk: named by random id, fanned out two levels, written atomically.

The path comes from the id alone, so nothing a sender chose (name, type) ever
reaches the filesystem. Files are written under ``.incoming`` and renamed into
place, so a reader never sees half a file. The row and the bytes cannot share
one transaction: if the row's transaction rolls back the bytes stay behind, and
:func:`sweep_orphans` removes them later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.files.models import StoredFile

CHUNK = 64 * 1024
ORPHAN_AGE = dt.timedelta(hours=1)
_ID = re.compile(r"[0-9a-f]{32}")


class UploadTooLarge(Exception):
    """The stream went past the limit; raised as soon as it does, so nothing more is read."""


class NoSpace(Exception):
    """DATA_DIR's filesystem is (nearly) full: the upload is refused and nothing of it is kept."""


#: What the kernel says when a write finds the filesystem or the user's quota full.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def room(files_dir: Path, reserve: int) -> int:
    """Bytes an upload may take now and still leave ``reserve`` free on the store's filesystem (0 or less: none).

    Checked before anything is written, and again as the stream goes past it: a full disk
    would otherwise fail the database and the worker too, not just this upload.
    """
    probe = files_dir if files_dir.exists() else files_dir.parent
    return shutil.disk_usage(probe).free - reserve


def file_path(files_dir: Path, file_id: str) -> Path:
    """``files/ab/cd/abcd…``; refuses anything but an id we generated, so no path can be smuggled in."""
    if not _ID.fullmatch(file_id):
        raise ValueError(f"not a stored file id: {file_id!r}")
    return files_dir / file_id[:2] / file_id[2:4] / file_id


def incoming_dir(files_dir: Path) -> Path:
    """On the same filesystem as the store, so the final rename is atomic."""
    path = files_dir / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    sha256: str
    head: bytes


class _Reserved(io.RawIOBase):
    """The new file, refusing (:class:`NoSpace`) to grow past the room there was when it was opened, and
    hashing what it is given: the check "while writing" for uploads and for the files the service writes."""

    def __init__(self, out: BinaryIO, space: int) -> None:
        self._out = out
        self._space = space
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        size = memoryview(data).nbytes
        if self.size + size > self._space:
            raise NoSpace
        self._out.write(data)
        self.digest.update(data)
        self.size += size
        return size


@contextlib.contextmanager
def _new_file(files_dir: Path, reserve: int, prefix: str) -> Iterator[tuple[Path, _Reserved]]:
    """A temporary file under ``.incoming``, flushed to disk when the block ends, removed if it raises.

    Refused (:class:`NoSpace`) before anything is written when less than ``reserve`` is free, as it grows
    past that, and when the filesystem says it is full (ENOSPC, EDQUOT) all the same: a full disk would
    otherwise fail the database and the worker too, not just this file.
    """
    path: Path | None = None
    try:
        incoming = incoming_dir(files_dir)
        space = room(incoming, reserve)
        if space <= 0:
            raise NoSpace
        fd, name = tempfile.mkstemp(dir=incoming, prefix=prefix)
        path = Path(name)
        with os.fdopen(fd, "wb") as raw:
            out = _Reserved(raw, space)
            yield path, out
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException as exc:
        if path is not None:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise NoSpace from exc
        raise


def receive(files_dir: Path, stream: BinaryIO, max_bytes: int, on_chunk: Callable[[bytes], None],
            reserve: int = 0) -> Received:
    """Copy the stream to a temporary file, hashing as it goes and stopping at ``max_bytes``.

    Raises :class:`NoSpace` (the partial file removed) when writing would leave less than
    ``reserve`` bytes free, or when the filesystem says it is full (ENOSPC, EDQUOT) all the same.
    """
    size = 0
    head = b""
    with _new_file(files_dir, reserve, "upload-") as (path, out):
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge
            if len(head) < 8192:
                head += chunk[: 8192 - len(head)]
            on_chunk(chunk)
            out.write(chunk)
    return Received(path=path, size=out.size, sha256=out.digest.hexdigest(), head=head)


def write_new(files_dir: Path, write: Callable[[BinaryIO], None], reserve: int = 0) -> Received:
    """A file the service writes itself (``write`` gets the stream), to :func:`put` in place.

    The same reserve as :func:`receive`, checked before and while writing, with the same
    :class:`NoSpace` and the partial file removed.
    """
    with _new_file(files_dir, reserve, "written-") as (path, out):
        write(out)  # type: ignore[arg-type]  # a raw binary stream; writers wrap it as they need
    return Received(path=path, size=out.size, sha256=out.digest.hexdigest(), head=b"")


def put(files_dir: Path, file_id: str, received: Path) -> Path:
    """Move a received file into its final place (atomic: same filesystem)."""
    final = file_path(files_dir, file_id)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in _FULL:  # a new fan-out directory needs a block too
            raise NoSpace from exc
        raise
    os.replace(received, final)
    os.chmod(final, 0o600)
    return final


def remove(files_dir: Path, file_id: str) -> bool:
    """Delete the bytes; False when there were none (already removed)."""
    try:
        file_path(files_dir, file_id).unlink()
    except FileNotFoundError:
        return False
    return True


def _stored_ids(files_dir: Path) -> Iterator[Path]:
    for first in files_dir.glob("[0-9a-f][0-9a-f]"):
        for second in first.glob("[0-9a-f][0-9a-f]"):
            for path in second.iterdir():
                if _ID.fullmatch(path.name) and path.name.startswith(first.name + second.name):
                    yield path


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def sweep_orphans(session: Session, files_dir: Path, older_than: dt.timedelta = ORPHAN_AGE) -> int:
    """Remove bytes with no row (their upload rolled back) and abandoned temporary files.

    Only files older than ``older_than`` are touched: a younger one may belong
    to an upload whose transaction has not committed yet.
    """
    if not files_dir.exists():
        return 0
    cutoff = dt.datetime.now(dt.UTC).timestamp() - older_than.total_seconds()
    removed = 0
    for leftover in incoming_dir(files_dir).iterdir():
        if _older_than(leftover, cutoff):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
                removed += 1
    candidates = [p for p in _stored_ids(files_dir) if _older_than(p, cutoff)]
    for start in range(0, len(candidates), 500):
        batch = candidates[start : start + 500]
        known = set(session.scalars(select(StoredFile.id).where(StoredFile.id.in_([p.name for p in batch]))))
        for path in batch:
            if path.name not in known:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
    return removed
