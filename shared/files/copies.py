"""A second stored file with the same bytes, for a holder whose copy must be deletable on its own.

A share's documents are deleted from storage when it ends, but the case keeps the attachment it sent
as its record. A hard link gives the share its own name for the same bytes at no cost in time or disk;
where the filesystem cannot link, the bytes are copied. Only a clean file is copied, and the copy
carries the scan's verdict with it (the bytes are the same ones ClamAV passed).

A copy takes disk as an upload does, so it keeps ``DISK_RESERVE_MB`` free as an upload does: it is written
through the file store (``storage.write_new``), checked before and while writing, and refused with
:class:`~shared.files.service.FilesUnavailable`, nothing of it left behind, when there is no room.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from shared import audit
from shared.errors import Conflict
from shared.files import storage
from shared.files.models import CLEAN, StoredFile, new_file_id
from shared.files.service import NO_SPACE_MESSAGE, OBJECT_TYPE, FilesUnavailable
from shared.settings import Settings

log = logging.getLogger(__name__)


def clean_copy(session: Session, settings: Settings, actor: audit.Actor, source: StoredFile,
               field: str = "file") -> StoredFile:
    """A new clean ``StoredFile`` whose bytes are ``source``'s, in the caller's transaction.

    If the transaction rolls back, the linked (or copied) bytes have no row and ``sweep_orphans`` removes
    them. Raises :class:`FilesUnavailable` (its error on ``field``) when the bytes must be copied and the
    copy would leave less than the reserve free.
    """
    if source.status != CLEAN:
        raise Conflict("Only a file the virus scan has passed can be copied")
    file_id = new_file_id()
    original = storage.file_path(settings.files_dir, source.id)
    target = storage.file_path(settings.files_dir, file_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(original, target)
    except FileNotFoundError:
        raise Conflict("The file's bytes are missing") from None
    except OSError:  # a filesystem that cannot link (or not this file again): copy the bytes
        _copy_bytes(settings, original, file_id, source.sha256, field)
    copy = StoredFile(id=file_id, original_name=source.original_name, content_type=source.content_type,
                      size=source.size, sha256=source.sha256, status=CLEAN, uploaded_by=source.uploaded_by,
                      scanned_at=source.scanned_at, scan_attempts=source.scan_attempts)
    session.add(copy)
    audit.record(session, actor, "file.copied", OBJECT_TYPE, file_id, f"Copy of {source.original_name}",
                 {"source": source.id})
    return copy


def _copy_bytes(settings: Settings, original: Path, file_id: str, sha256: str, field: str) -> None:
    """``original``'s bytes under ``file_id``, written as the file store writes (atomically, keeping the
    reserve); nothing is left behind when it is refused. Bytes that no longer hash to what ClamAV passed
    are refused too: the copy would otherwise carry a verdict given on other bytes."""
    try:
        with original.open("rb") as source:
            written = storage.write_new(settings.files_dir, lambda out: shutil.copyfileobj(source, out, storage.CHUNK),
                                        reserve=settings.disk_reserve_bytes)
    except FileNotFoundError:
        raise Conflict("The file's bytes are missing") from None
    except storage.NoSpace:
        log.error("file not copied: less than DISK_RESERVE_MB free on %s", settings.files_dir)
        raise FilesUnavailable(NO_SPACE_MESSAGE, errors={field: NO_SPACE_MESSAGE}) from None
    if written.sha256 != sha256:
        written.path.unlink(missing_ok=True)
        raise Conflict("The file's bytes are not the ones the virus scan passed")
    try:
        storage.put(settings.files_dir, file_id, written.path)
    except storage.NoSpace:
        written.path.unlink(missing_ok=True)
        raise FilesUnavailable(NO_SPACE_MESSAGE, errors={field: NO_SPACE_MESSAGE}) from None
    except BaseException:
        written.path.unlink(missing_ok=True)
        raise
