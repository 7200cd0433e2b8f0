"""A second stored file with the same bytes, for a holder whose copy must be deletable on its own.

A share's documents are deleted from storage when it ends, but the case keeps the attachment it sent
as its record. A hard link gives the share its own name for the same bytes at no cost in time or disk;
where the filesystem cannot link, the bytes are copied. Only a clean file is copied, and the copy
carries the scan's verdict with it (the bytes are the same ones ClamAV passed).
"""

from __future__ import annotations

import os
import shutil

from sqlalchemy.orm import Session

from shared import audit
from shared.errors import Conflict
from shared.files import storage
from shared.files.models import CLEAN, StoredFile, new_file_id
from shared.files.service import OBJECT_TYPE
from shared.settings import Settings


def clean_copy(session: Session, settings: Settings, actor: audit.Actor, source: StoredFile) -> StoredFile:
    """A new clean ``StoredFile`` whose bytes are ``source``'s, in the caller's transaction.

    If the transaction rolls back, the linked bytes have no row and ``sweep_orphans`` removes them.
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
    except OSError:
        shutil.copyfile(original, target)
        os.chmod(target, 0o600)
    copy = StoredFile(id=file_id, original_name=source.original_name, content_type=source.content_type,
                      size=source.size, sha256=source.sha256, status=CLEAN, uploaded_by=source.uploaded_by,
                      scanned_at=source.scanned_at, scan_attempts=source.scan_attempts)
    session.add(copy)
    audit.record(session, actor, "file.copied", OBJECT_TYPE, file_id, f"Copy of {source.original_name}",
                 {"source": source.id})
    return copy
