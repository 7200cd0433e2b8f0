"""Receiving an upload and handing out its bytes once ClamAV has passed them.

Every upload is stored quarantined and a ``files.scan`` job is enqueued in the
same transaction, so a file can never be accepted without a scan to follow.
Nothing is served until the scan says clean.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlalchemy.orm import Session

from shared import audit, jobs, scanning
from shared.errors import Conflict, InvalidInput, NotFound
from shared.files import storage
from shared.files.kinds import DOCUMENTS, FileKind, FileRules, TextSniffer, detect, extension_of, name_agrees
from shared.files.models import CLEAN, INFECTED, QUARANTINED, StoredFile, new_file_id
from shared.settings import Settings

log = logging.getLogger("civic.files")

SCAN_JOB = "files.scan"
#: With the queue's backoff (5 s doubling, capped at an hour) ten attempts span about six hours.
SCAN_MAX_ATTEMPTS = 10
OBJECT_TYPE = "file"
_MAX_NAME = 200
#: What shared.scanning says of a file it can never scan (stored as scan_error, shown as it is).
_PERMANENT_SCAN_ERRORS = frozenset({str(scanning.TooLargeForScanner()), str(scanning.NotScannable())})


class FileTooLarge(InvalidInput):
    title = "The selected file is too large"


class FileTypeNotAllowed(InvalidInput):
    title = "The selected file is not an allowed type"


class FileEmpty(InvalidInput):
    title = "The selected file is empty"


class FilesUnavailable(InvalidInput, jobs.RetryLater):
    """DATA_DIR is (nearly) full: the form is shown again with this error, as a 503, and nothing is kept.

    In the worker it is a :class:`~shared.jobs.RetryLater`: a job that meets a full disk waits for room
    with the queue's backoff, and is never given up on for it.
    """

    status = 503
    title = "The service cannot take files just now"
    headers = {"Retry-After": "600"}  # noqa: RUF012 - read by the error handler, never changed


#: The error summary's words for :class:`FilesUnavailable`.
NO_SPACE_MESSAGE = "The service cannot take files just now. Try again later"


class FileNotReady(Conflict):
    """The file exists but has not been passed by the virus scan (or failed it)."""

    title = "The file is not available"


def limit_in_words(limit: int) -> str:
    """``10MB``, ``2GB``, or ``512KB`` for a limit under a megabyte, as GOV.UK messages write sizes."""
    gigabyte = 1024 * 1024 * 1024
    if limit >= gigabyte - 1024 * 1024:
        return f"{round(limit / gigabyte, 1):g}GB"  # ClamAV's ceiling is 3 bytes short of 2GB: "2GB"
    if limit >= 1024 * 1024:
        mb = limit / (1024 * 1024)
        return f"{mb:g}MB" if mb == int(mb) else f"{mb:.1f}MB"
    return f"{max(1, limit // 1024)}KB"


def clean_name(filename: str) -> str:
    """The name to show and to offer on download: last path part, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = stem[: _MAX_NAME - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:_MAX_NAME]
    return name


def staff_upload_limit(settings: Settings) -> int:
    """The largest response document staff may upload, in bytes: their limit, held to the scanner's.

    A file the virus scanner cannot take could never be released, so it is refused at upload.
    Pass it to :func:`store_upload` as ``max_bytes`` (and say it on the page, and as the route's body limit).
    """
    return min(settings.staff_max_upload_bytes, settings.scanner_max_bytes)


def upload_limit(settings: Settings, allowed: FileRules = DOCUMENTS, max_bytes: int | None = None) -> int:
    """The limit :func:`store_upload` applies: ``max_bytes`` (default MAX_UPLOAD_MB), the rules' own
    tighter cap, and never more than the scanner takes."""
    limit = settings.max_upload_bytes if max_bytes is None else max_bytes
    if allowed.max_bytes is not None:
        limit = min(limit, allowed.max_bytes)
    return min(limit, settings.scanner_max_bytes)


def store_upload(
    session: Session,
    settings: Settings,
    actor: audit.Actor,
    *,
    filename: str,
    stream: BinaryIO,
    allowed: FileRules = DOCUMENTS,
    field: str = "file",
    max_bytes: int | None = None,
) -> StoredFile:
    """Check, store and quarantine an upload, and enqueue its virus scan, in the caller's transaction.

    The size limit is :func:`upload_limit`: ``MAX_UPLOAD_MB`` unless ``max_bytes`` says otherwise
    (staff response documents pass :func:`staff_upload_limit`), ``allowed.max_bytes`` when tighter,
    and never more than ``SCANNER_MAX_MB``.
    Raises :class:`FileTooLarge`, :class:`FileEmpty` or :class:`FileTypeNotAllowed`
    (each an ``InvalidInput`` whose ``errors[field]`` is the GOV.UK message).
    """
    limit = upload_limit(settings, allowed, max_bytes)
    name = clean_name(filename)
    extension = extension_of(name)
    sniffer = TextSniffer()
    files_dir = settings.files_dir
    try:
        received = storage.receive(files_dir, stream, limit, sniffer.feed, reserve=settings.disk_reserve_bytes)
    except storage.UploadTooLarge:
        raise _refusal(FileTooLarge, field, f"The selected file must be smaller than {limit_in_words(limit)}") from None
    except storage.NoSpace:
        log.error("upload refused: less than DISK_RESERVE_MB free on %s", files_dir)
        raise _refusal(FilesUnavailable, field, NO_SPACE_MESSAGE) from None
    try:
        sniffer.feed(b"", final=True)
        kind = _check(received, sniffer.is_text, extension, allowed, field)
        if extension == "":
            name = (name or "file") + kind.extensions[0]
        file_id = new_file_id()
        storage.put(files_dir, file_id, received.path)
    except storage.NoSpace:
        received.path.unlink(missing_ok=True)
        raise _refusal(FilesUnavailable, field, NO_SPACE_MESSAGE) from None
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise
    stored = StoredFile(
        id=file_id,
        original_name=name,
        content_type=kind.content_type,
        size=received.size,
        sha256=received.sha256,
        status=QUARANTINED,
        uploaded_by=actor.label,
    )
    session.add(stored)
    audit.record(
        session,
        actor,
        "file.uploaded",
        OBJECT_TYPE,
        file_id,
        f"Uploaded {name} ({kind.label}, {received.size} bytes)",
        {"name": name, "type": kind.key, "size": received.size, "sha256": received.sha256},
    )
    jobs.enqueue(session, SCAN_JOB, {"file_id": file_id}, max_attempts=SCAN_MAX_ATTEMPTS)
    return stored


def store_written(
    session: Session, settings: Settings, actor: audit.Actor, *, filename: str, content_type: str,
    write: Callable[[BinaryIO], None],
) -> StoredFile:
    """Store a file the service itself writes (``write`` gets the stream), quarantined and queued for its
    virus scan like an upload, in the caller's transaction. What it holds came from people (case subjects,
    comments), so it is served only once ClamAV has said it is clean, as every stored file is.

    It keeps ``DISK_RESERVE_MB`` free as an upload does: :class:`FilesUnavailable` (nothing kept, nothing
    added to the session) when there is no room, which a worker's job takes as "wait and try again"."""
    files_dir = settings.files_dir
    try:
        written = storage.write_new(files_dir, write, reserve=settings.disk_reserve_bytes)
    except storage.NoSpace:
        log.error("file not written: less than DISK_RESERVE_MB free on %s", files_dir)
        raise _refusal(FilesUnavailable, "file", NO_SPACE_MESSAGE) from None
    file_id = new_file_id()
    try:
        storage.put(files_dir, file_id, written.path)
    except storage.NoSpace:
        written.path.unlink(missing_ok=True)
        raise _refusal(FilesUnavailable, "file", NO_SPACE_MESSAGE) from None
    except BaseException:
        written.path.unlink(missing_ok=True)
        raise
    stored = StoredFile(id=file_id, original_name=clean_name(filename), content_type=content_type, size=written.size,
                        sha256=written.sha256, status=QUARANTINED, uploaded_by=actor.label)
    session.add(stored)
    audit.record(session, actor, "file.written", OBJECT_TYPE, file_id,
                 f"Wrote {stored.original_name} ({written.size} bytes)",
                 {"name": stored.original_name, "size": written.size, "sha256": stored.sha256})
    jobs.enqueue(session, SCAN_JOB, {"file_id": file_id}, max_attempts=SCAN_MAX_ATTEMPTS)
    return stored


def _refusal(error: type[InvalidInput], field: str, message: str) -> InvalidInput:
    return error(message, errors={field: message})


def _check(received: storage.Received, is_text: bool, extension: str, allowed: FileRules, field: str) -> FileKind:
    if received.size == 0:
        raise _refusal(FileEmpty, field, "The selected file is empty")
    kind = detect(received.path, received.head, is_text, extension)
    if kind is None or not allowed.allows(kind) or not name_agrees(kind, extension):
        raise _refusal(FileTypeNotAllowed, field, f"The selected file must be a {allowed.labels}")
    return kind


def requeue_scan(session: Session, actor: audit.Actor, stored: StoredFile) -> None:
    """Try again for a file whose scans gave up (say after clamd was mended)."""
    if stored.status != QUARANTINED:
        raise Conflict(f"The file has already been scanned: it is {stored.status}")
    stored.scan_error = None
    audit.record(session, actor, "file.scan_requeued", OBJECT_TYPE, stored.id, "Virus scan queued again")
    jobs.enqueue(session, SCAN_JOB, {"file_id": stored.id}, max_attempts=SCAN_MAX_ATTEMPTS)


def open_for_download(
    session: Session, settings: Settings, file_id: str, *, requester_is_uploader: bool = False
) -> tuple[StoredFile, BinaryIO]:
    """The row and an open binary stream (the caller closes it), for a clean file only.

    Others learn nothing of a file that is not clean (``NotFound``); its uploader
    is told why it is not available (``FileNotReady``, with the status message).
    """
    stored = session.get(StoredFile, file_id) if storage_id_ok(file_id) else None
    if stored is None:
        raise NotFound("The file was not found")
    if stored.status != CLEAN:
        if requester_is_uploader:
            raise FileNotReady(scan_status_message(stored))
        raise NotFound("The file was not found")
    try:
        stream = storage.file_path(settings.files_dir, stored.id).open("rb")
    except FileNotFoundError:
        raise NotFound("The file was not found") from None
    return stored, stream


def storage_id_ok(file_id: str) -> bool:
    try:
        storage.file_path(Path(), file_id)
    except ValueError:
        return False
    return True


def scan_status_message(stored: StoredFile) -> str:
    """What a page says about the file, in plain English."""
    if stored.status == CLEAN:
        return "Ready"
    if stored.status == INFECTED:
        return "This file contained a virus and was deleted"
    if stored.scan_error in _PERMANENT_SCAN_ERRORS:
        return f"{stored.scan_error}. It cannot be opened"
    if stored.scan_error:
        return "We could not check this file for viruses. It cannot be opened until we can"
    return "Checking for viruses"


def download_headers(stored: StoredFile) -> dict[str, str]:
    """Headers to serve a clean file as an attachment that no browser sniffs or renders inline."""
    ascii_name = stored.original_name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "file"
    return {
        "Content-Type": stored.content_type,
        "Content-Length": str(stored.size),
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.original_name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
