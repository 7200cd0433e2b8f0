"""Uploaded files: checked by content, quarantined, scanned by ClamAV, served only when clean.

The public surface is re-exported here; ``JOB_KINDS`` is what the worker merges in.
"""

from shared.files.kinds import ANY_SUPPORTED, DOCUMENTS, IMAGES, KINDS, SPREADSHEETS, FileKind, FileRules
from shared.files.models import CLEAN, INFECTED, QUARANTINED, StoredFile
from shared.files.scan import JOB_KINDS, SCHEDULES, SWEEP_JOB
from shared.files.service import (
    SCAN_JOB,
    FileEmpty,
    FileNotReady,
    FilesUnavailable,
    FileTooLarge,
    FileTypeNotAllowed,
    clean_name,
    download_headers,
    limit_in_words,
    open_for_download,
    requeue_scan,
    scan_status_message,
    staff_upload_limit,
    store_upload,
    upload_limit,
)
from shared.files.storage import file_path, sweep_orphans

__all__ = [
    "ANY_SUPPORTED",
    "CLEAN",
    "DOCUMENTS",
    "IMAGES",
    "INFECTED",
    "JOB_KINDS",
    "KINDS",
    "QUARANTINED",
    "SCAN_JOB",
    "SCHEDULES",
    "SPREADSHEETS",
    "SWEEP_JOB",
    "FileEmpty",
    "FileKind",
    "FileNotReady",
    "FileRules",
    "FileTooLarge",
    "FileTypeNotAllowed",
    "FilesUnavailable",
    "StoredFile",
    "clean_name",
    "download_headers",
    "file_path",
    "limit_in_words",
    "open_for_download",
    "requeue_scan",
    "scan_status_message",
    "staff_upload_limit",
    "store_upload",
    "sweep_orphans",
    "upload_limit",
]
