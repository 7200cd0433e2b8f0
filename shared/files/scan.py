"""The ``files.scan`` job: ask clamd about a quarantined file, then release or destroy it.

When clamd cannot be reached the handler raises, the queue retries with
backoff, and the file stays quarantined. When the queue gives up the file is
still quarantined: nothing is ever released unscanned. A file that can never be
scanned (larger than the scanner takes, or past one of clamd's own limits) is
not retried: it stays quarantined with ``scan_error`` saying why in plain English.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from shared import audit, jobs, scanning
from shared.apps import Schedule
from shared.db import utcnow
from shared.files import storage
from shared.files.models import CLEAN, INFECTED, QUARANTINED, StoredFile
from shared.files.service import OBJECT_TYPE, SCAN_JOB, SCAN_MAX_ATTEMPTS

log = logging.getLogger(__name__)

SCANNER = audit.Actor(type="system", label="virus scanner")
SWEEP_JOB = "files.sweep_orphans"


class StoredBytesMissing(RuntimeError):
    """A quarantined file's bytes are gone: it can never be scanned, so it is never released."""


def _quarantined(session: Session, payload: dict[str, Any]) -> StoredFile | None:
    stored = session.get(StoredFile, str(payload.get("file_id", "")))
    if stored is None or stored.status != QUARANTINED:
        return None  # deleted, or already decided by an earlier run of this job
    return stored


def handle_scan(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    stored = _quarantined(session, payload)
    if stored is None:
        return
    files_dir = context.settings.files_dir
    try:
        stream = storage.file_path(files_dir, stored.id).open("rb")
    except FileNotFoundError:
        raise StoredBytesMissing(f"the bytes of file {stored.id} are missing") from None
    try:
        with stream:
            # ScannerUnavailable propagates: retry later. The stored size sets the timeout.
            result = scanning.scan(context.settings, stream, size=stored.size)
    except scanning.ScanImpossible as exc:
        _cannot_scan(session, stored, exc, context.attempts)
        return
    stored.scan_attempts += context.attempts
    stored.scanned_at = utcnow()
    stored.scan_error = None
    if result.clean:
        stored.status = CLEAN
        audit.record(session, SCANNER, "file.scanned_clean", OBJECT_TYPE, stored.id, "No virus found")
        return
    stored.status = INFECTED
    stored.signature = (result.signature or "unknown")[:200]
    audit.record(
        session,
        SCANNER,
        "file.infected",
        OBJECT_TYPE,
        stored.id,
        f"Virus found ({stored.signature}); the file was deleted",
        {"signature": stored.signature, "sha256": stored.sha256},
    )
    _remove_once_committed(session, files_dir, stored.id)
    log.warning("file %s infected with %s: bytes deleted", stored.id, stored.signature)


def _remove_once_committed(session: Session, files_dir: Path, file_id: str) -> None:
    """Delete an infected file's bytes once its verdict is committed, not before.

    Deleted before, a worker killed (or a commit failed) in between left a quarantined file with no bytes:
    every retry raised ``StoredBytesMissing`` until the queue gave up, and the file was never decided
    (tests/faults/test_worker_killed.py). Now the retry finds the bytes and the virus again. A worker killed
    in the instant after the commit leaves the bytes of a file marked infected, which is never served.
    """

    waiting = {file_id}  # emptied by whichever of commit and rollback comes first

    def remove(_session: Session) -> None:
        if waiting:
            storage.remove(files_dir, waiting.pop())

    def forget(_session: Session) -> None:
        waiting.clear()

    event.listen(session, "after_commit", remove, once=True)
    event.listen(session, "after_rollback", forget, once=True)


def _cannot_scan(session: Session, stored: StoredFile, error: scanning.ScanImpossible, attempts: int) -> None:
    """Retrying cannot help: record why, keep the file quarantined, and end the job."""
    stored.scan_attempts += attempts
    stored.scan_error = str(error)[:1000]
    detail = getattr(error, "detail", "")
    audit.record(
        session,
        SCANNER,
        "file.scan_impossible",
        OBJECT_TYPE,
        stored.id,
        f"{error}; the file stays quarantined",
        {"error": str(error), "detail": str(detail)[:1000], "size": stored.size},
    )
    log.warning("file %s cannot be scanned (%s): it stays quarantined", stored.id, detail or error)


def give_up_scan(session: Session, payload: dict[str, Any], error: str) -> None:
    stored = _quarantined(session, payload)
    if stored is None:
        return
    stored.scan_attempts += SCAN_MAX_ATTEMPTS
    stored.scan_error = error[:1000]
    audit.record(
        session,
        SCANNER,
        "file.scan_gave_up",
        OBJECT_TYPE,
        stored.id,
        "The virus scan failed repeatedly; the file stays quarantined",
        {"error": error[:1000]},
    )


def handle_sweep(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    removed = storage.sweep_orphans(session, context.settings.files_dir)
    if removed:
        log.info("removed %s orphaned upload file(s)", removed)


JOB_KINDS: dict[str, jobs.JobKind] = {
    SCAN_JOB: jobs.JobKind(handle=handle_scan, give_up=give_up_scan),
    SWEEP_JOB: jobs.JobKind(handle=handle_sweep),
}
#: For the worker's timetable (shared.worker.schedules reads housekeeping's; add these beside them).
SCHEDULES = (Schedule(kind=SWEEP_JOB, every_seconds=3600),)
