"""Uploads: checked by content, quarantined, scanned by a real clamd, served only when clean."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared import audit, clamd_local, files, jobs
from shared.db import transaction, utcnow
from shared.errors import InvalidInput, NotFound
from shared.files import scan as file_scan
from shared.runtime import Runtime
from shared.settings import Settings

RESIDENT = audit.Actor(type="requester", label="resident@example.org", id="r1", ip="192.0.2.1")
LETTER = b"Dear Council,\nThe streetlight on Mill Lane has been out for a week.\n"


# --- sample files, built here so each is what it claims to be ---------------------------


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\0macro")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Request", "Received"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


# --- helpers --------------------------------------------------------------------------------


def upload(
    runtime: Runtime,
    settings: Settings,
    name: str,
    data: bytes,
    rules: files.FileRules = files.ANY_SUPPORTED,
) -> files.StoredFile:
    """Store and commit, as a request handler's transaction would."""
    with transaction(runtime.factory) as session:
        return files.store_upload(session, settings, RESIDENT, filename=name, stream=io.BytesIO(data), allowed=rules)


def worker(runtime: Runtime, settings: Settings) -> jobs.Worker:
    return jobs.Worker(settings=settings, factory=runtime.factory, kinds=files.JOB_KINDS)


def reload(runtime: Runtime, file_id: str) -> files.StoredFile:
    with runtime.factory() as session:
        stored = session.get(files.StoredFile, file_id)
        assert stored is not None
        return stored


def scan_job(runtime: Runtime, file_id: str) -> jobs.Job:
    with runtime.factory() as session:
        found = list(session.scalars(select(jobs.Job).where(jobs.Job.kind == files.SCAN_JOB)))
        return next(j for j in found if j.payload == {"file_id": file_id})


def actions(runtime: Runtime, file_id: str) -> list[str]:
    with runtime.factory() as session:
        return [e.action for e in audit.history(session, "file", file_id)]


def incoming_leftovers(settings: Settings) -> list[Path]:
    path = settings.files_dir / ".incoming"
    return list(path.iterdir()) if path.exists() else []


# --- the scan lifecycle, against a real clamd -------------------------------------------------


@pytest.mark.clamd
def test_a_clean_file_is_released_only_after_the_scan(runtime: Runtime, clamd_settings: Settings) -> None:
    stored = upload(runtime, clamd_settings, "letter.txt", LETTER)
    assert stored.status == files.QUARANTINED
    assert files.scan_status_message(stored) == "Checking for viruses"
    assert scan_job(runtime, stored.id).status == jobs.PENDING
    with runtime.factory() as session:
        with pytest.raises(files.FileNotReady, match="Checking for viruses"):
            files.open_for_download(session, clamd_settings, stored.id, requester_is_uploader=True)
        with pytest.raises(NotFound):
            files.open_for_download(session, clamd_settings, stored.id)

    assert worker(runtime, clamd_settings).run_until_idle() == 1

    stored = reload(runtime, stored.id)
    assert (stored.status, stored.signature, stored.scan_attempts) == (files.CLEAN, None, 1)
    assert stored.scanned_at is not None
    assert files.scan_status_message(stored) == "Ready"
    assert actions(runtime, stored.id) == ["file.uploaded", "file.scanned_clean"]
    with runtime.factory() as session:
        row, stream = files.open_for_download(session, clamd_settings, stored.id)
        with stream:
            assert stream.read() == LETTER
    assert row.content_type == "text/plain; charset=utf-8"
    assert files.download_headers(row)["Content-Disposition"].startswith('attachment; filename="letter.txt"')


@pytest.mark.clamd
def test_eicar_is_marked_infected_and_its_bytes_deleted(runtime: Runtime, clamd_settings: Settings) -> None:
    stored = upload(runtime, clamd_settings, "invoice.txt", clamd_local.EICAR)
    path = files.file_path(clamd_settings.files_dir, stored.id)
    assert path.exists()

    worker(runtime, clamd_settings).run_until_idle()

    stored = reload(runtime, stored.id)
    assert stored.status == files.INFECTED
    assert stored.signature is not None and "Eicar" in stored.signature
    assert not path.exists()
    assert files.scan_status_message(stored) == "This file contained a virus and was deleted"
    with runtime.factory() as session:
        entry = audit.history(session, "file", stored.id)[-1]
        assert (entry.action, entry.actor_type) == ("file.infected", "system")
        assert "Eicar" in entry.detail["signature"]
        with pytest.raises(files.FileNotReady, match="virus"):
            files.open_for_download(session, clamd_settings, stored.id, requester_is_uploader=True)
        with pytest.raises(NotFound):
            files.open_for_download(session, clamd_settings, stored.id)


@pytest.mark.clamd
def test_the_scan_job_is_idempotent(runtime: Runtime, clamd_settings: Settings) -> None:
    stored = upload(runtime, clamd_settings, "invoice.txt", clamd_local.EICAR)
    context = jobs.JobContext(settings=clamd_settings, job_id=0, attempts=1)
    for _ in range(2):
        with transaction(runtime.factory) as session:
            file_scan.handle_scan(session, {"file_id": stored.id}, context)
    assert actions(runtime, stored.id) == ["file.uploaded", "file.infected"]
    assert reload(runtime, stored.id).scan_attempts == 1


@pytest.mark.clamd
def test_an_infected_verdict_rolled_back_keeps_the_bytes_for_the_retry(runtime: Runtime,
                                                                        clamd_settings: Settings) -> None:
    """The bytes go only once "infected" is committed: a rolled-back (or killed) run leaves a file the retry
    can still scan, not a quarantined file with no bytes that no run can decide."""
    stored = upload(runtime, clamd_settings, "invoice.txt", clamd_local.EICAR)
    path = files.file_path(clamd_settings.files_dir, stored.id)
    context = jobs.JobContext(settings=clamd_settings, job_id=0, attempts=1)
    with runtime.factory() as session:
        session.begin()
        file_scan.handle_scan(session, {"file_id": stored.id}, context)
        session.flush()
        assert path.exists()
        session.rollback()
        session.begin()
        session.commit()  # a later transaction of the same session deletes nothing of the rolled-back one
    assert path.exists() and reload(runtime, stored.id).status == files.QUARANTINED
    with transaction(runtime.factory) as session:
        file_scan.handle_scan(session, {"file_id": stored.id}, context)
        assert path.exists()
    assert not path.exists() and reload(runtime, stored.id).status == files.INFECTED


@pytest.mark.clamd
def test_while_clamd_is_down_the_file_stays_quarantined_and_the_scan_is_retried(
    runtime: Runtime, settings: Settings, clamd_factory: Callable[..., clamd_local.LocalClamd]
) -> None:
    daemon = clamd_factory()
    live = dataclasses.replace(settings, clamd_socket=daemon.socket)
    daemon.stop()
    stored = upload(runtime, live, "letter.txt", LETTER)
    before = utcnow()

    assert worker(runtime, live).run_until_idle() == 1

    job = scan_job(runtime, stored.id)
    assert (job.status, job.attempts) == (jobs.PENDING, 1)
    assert job.run_at >= before + dt.timedelta(seconds=4)
    assert job.last_error is not None and "ScannerUnavailable" in job.last_error
    assert reload(runtime, stored.id).status == files.QUARANTINED
    assert worker(runtime, live).run_until_idle() == 0  # not due yet: backing off

    with transaction(runtime.factory) as session:  # time passes; still down
        session.execute(update(jobs.Job).where(jobs.Job.id == job.id).values(run_at=utcnow()))
    worker(runtime, live).run_until_idle()
    job = scan_job(runtime, stored.id)
    assert (job.status, job.attempts) == (jobs.PENDING, 2)
    assert job.run_at >= utcnow() + dt.timedelta(seconds=8)

    clamd_factory(Path(daemon.socket).parent)  # clamd is back, on the same socket
    with transaction(runtime.factory) as session:
        session.execute(update(jobs.Job).where(jobs.Job.id == job.id).values(run_at=utcnow()))
    worker(runtime, live).run_until_idle()
    assert scan_job(runtime, stored.id).status == jobs.DONE
    stored = reload(runtime, stored.id)
    assert (stored.status, stored.scan_attempts) == (files.CLEAN, 3)


def test_when_the_queue_gives_up_the_file_stays_quarantined(runtime: Runtime, settings: Settings) -> None:
    stored = upload(runtime, settings, "letter.txt", LETTER)  # settings point at a dead socket
    with transaction(runtime.factory) as session:
        session.execute(update(jobs.Job).values(attempts=files.service.SCAN_MAX_ATTEMPTS - 1))

    worker(runtime, settings).run_until_idle()

    assert scan_job(runtime, stored.id).status == jobs.FAILED
    stored = reload(runtime, stored.id)
    assert stored.status == files.QUARANTINED
    assert stored.scan_error is not None
    assert files.scan_status_message(stored).startswith("We could not check this file for viruses")
    assert actions(runtime, stored.id) == ["file.uploaded", "file.scan_gave_up"]
    with runtime.factory() as session, pytest.raises(files.FileNotReady):
        files.open_for_download(session, settings, stored.id, requester_is_uploader=True)

    with transaction(runtime.factory) as session:
        row = session.get(files.StoredFile, stored.id)
        assert row is not None
        files.requeue_scan(session, audit.SYSTEM, row)
    assert reload(runtime, stored.id).scan_error is None
    assert worker(runtime, settings).run_until_idle() == 1  # a fresh job, tried at once


# --- checks on the way in ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("scan.png", png_bytes(), "image/png"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        ("letter.pdf", PDF, "application/pdf"),
        ("letter.docx", docx_bytes(), files.KINDS["docx"].content_type),
        ("figures.xlsx", xlsx_bytes(), files.KINDS["xlsx"].content_type),
        ("letter.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Café opening hours – été\n".encode(), "text/plain; charset=utf-8"),
        ("data.csv", b"ref,received\nFOI-1,2024-01-02\n", "text/csv; charset=utf-8"),
    ],
)
def test_allowed_kinds_are_recognised_by_content(
    runtime: Runtime, settings: Settings, name: str, data: bytes, content_type: str
) -> None:
    stored = upload(runtime, settings, name, data)
    assert stored.content_type == content_type
    assert stored.original_name == name
    assert files.file_path(settings.files_dir, stored.id).read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("letter.pdf", png_bytes()),  # a PNG renamed .pdf
        ("setup.exe", b"just some text\n"),  # text calling itself a program
        ("notes.txt.exe", LETTER),
        ("letter.pdf", docx_bytes()),
        ("letter.docx", docx_bytes(macros=True)),  # a macro document in disguise
        ("archive.docx", plain_zip()),
        ("letter.txt", b"\x00\x01\x02binary\xff\xfe"),
        ("letter.txt", b"caf\xe9 in Latin-1\n"),
        ("letter.txt", b"MZ\x90\x00\x03\x00\x00\x00"),
    ],
)
def test_files_are_refused_by_content_whatever_their_name(
    runtime: Runtime, settings: Settings, name: str, data: bytes
) -> None:
    with pytest.raises(files.FileTypeNotAllowed) as caught:
        upload(runtime, settings, name, data, rules=files.DOCUMENTS)
    assert caught.value.errors == {"file": "The selected file must be a PDF, JPG, PNG, DOCX, ODT or TXT"}
    assert isinstance(caught.value, InvalidInput)
    assert incoming_leftovers(settings) == []


def test_a_kind_outside_the_fields_rules_is_refused(runtime: Runtime, settings: Settings) -> None:
    with pytest.raises(files.FileTypeNotAllowed, match=r"must be a JPG or PNG"):
        upload(runtime, settings, "letter.pdf", PDF, rules=files.IMAGES)


def test_a_name_without_an_extension_gets_the_detected_one(runtime: Runtime, settings: Settings) -> None:
    assert upload(runtime, settings, "scan", png_bytes()).original_name == "scan.png"
    assert upload(runtime, settings, "Minutes v1.2", LETTER).original_name == "Minutes v1.2.txt"


def test_the_size_limit_is_enforced_while_reading(runtime: Runtime, settings: Settings) -> None:
    small = dataclasses.replace(settings, max_upload_bytes=10 * 1024 * 1024)
    with pytest.raises(files.FileTooLarge) as caught:
        upload(runtime, small, "big.txt", b"a" * (10 * 1024 * 1024 + 1))
    assert caught.value.errors == {"file": "The selected file must be smaller than 10MB"}
    upload(runtime, small, "exact.txt", b"a" * (10 * 1024 * 1024))

    tighter = files.FileRules(kinds=(files.KINDS["txt"],), max_bytes=512 * 1024)
    with pytest.raises(files.FileTooLarge, match="smaller than 512KB"):
        upload(runtime, settings, "big.txt", b"a" * (512 * 1024 + 1), rules=tighter)
    assert incoming_leftovers(settings) == []


def test_an_empty_file_is_refused(runtime: Runtime, settings: Settings) -> None:
    with pytest.raises(files.FileEmpty) as caught:
        upload(runtime, settings, "letter.pdf", b"")
    assert caught.value.errors == {"file": "The selected file is empty"}


def test_the_stored_path_never_contains_the_uploaded_name(runtime: Runtime, settings: Settings) -> None:
    stored = upload(runtime, settings, "../../etc/passwd\x00.txt", LETTER)
    path = files.file_path(settings.files_dir, stored.id)
    assert path.relative_to(settings.files_dir).parts == (stored.id[:2], stored.id[2:4], stored.id)
    assert len(stored.id) == 32 and "passwd" not in str(path)
    assert stored.original_name == "passwd.txt"
    assert stored.sha256 == hashlib.sha256(LETTER).hexdigest()
    assert stored.size == len(LETTER)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError, match="not a stored file id"):
        files.file_path(settings.files_dir, "../" + stored.id[3:])


def test_a_download_name_is_safe_in_a_header(runtime: Runtime, settings: Settings) -> None:
    stored = upload(runtime, settings, 'Ré "quote"; x.txt', LETTER)
    header = files.download_headers(stored)["Content-Disposition"]
    assert header == "attachment; filename=\"R quote; x.txt\"; filename*=UTF-8''R%C3%A9%20%22quote%22%3B%20x.txt"


def test_upload_audits_and_enqueues_in_the_callers_transaction(runtime: Runtime, settings: Settings) -> None:
    with runtime.factory() as session:
        stored = files.store_upload(session, settings, RESIDENT, filename="a.txt", stream=io.BytesIO(LETTER))
        session.rollback()
    path = files.file_path(settings.files_dir, stored.id)
    assert path.exists()  # an orphan now: no row, no job, no audit entry
    with runtime.factory() as session:
        assert session.get(files.StoredFile, stored.id) is None
        assert session.scalar(select(jobs.Job.id)) is None
        assert audit.history(session, "file", stored.id) == []


def test_orphans_older_than_an_hour_are_swept(runtime: Runtime, settings: Settings) -> None:
    kept = upload(runtime, settings, "kept.txt", LETTER)
    with runtime.factory() as session:
        orphan = files.store_upload(session, settings, RESIDENT, filename="a.txt", stream=io.BytesIO(LETTER))
        young = files.store_upload(session, settings, RESIDENT, filename="b.txt", stream=io.BytesIO(LETTER))
        session.rollback()
    stale_temp = settings.files_dir / ".incoming" / "upload-abandoned"
    stale_temp.write_bytes(b"partial")
    two_hours_ago = (utcnow() - dt.timedelta(hours=2)).timestamp()
    for path in (
        files.file_path(settings.files_dir, kept.id),
        files.file_path(settings.files_dir, orphan.id),
        stale_temp,
    ):
        os.utime(path, (two_hours_ago, two_hours_ago))

    with runtime.factory() as session:
        assert files.sweep_orphans(session, settings.files_dir) == 2

    assert files.file_path(settings.files_dir, kept.id).exists()
    assert files.file_path(settings.files_dir, young.id).exists()
    assert not files.file_path(settings.files_dir, orphan.id).exists()
    assert not stale_temp.exists()


def test_the_sweep_runs_as_a_job(runtime: Runtime, settings: Settings) -> None:
    with runtime.factory() as session:
        orphan = files.store_upload(session, settings, RESIDENT, filename="a.txt", stream=io.BytesIO(LETTER))
        session.rollback()
    path = files.file_path(settings.files_dir, orphan.id)
    os.utime(path, (0, 0))
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, files.SWEEP_JOB)
    assert worker(runtime, settings).run_until_idle() == 1
    assert not path.exists()


def test_unknown_or_malformed_ids_are_not_found(runtime: Runtime, settings: Settings, db: Session) -> None:
    for file_id in ("0" * 32, "../secret", ""):
        with pytest.raises(NotFound):
            files.open_for_download(db, settings, file_id, requester_is_uploader=True)


def test_file_names_are_cleaned() -> None:
    assert files.clean_name("C:\\Users\\me\\My  Letter .docx") == "My Letter .docx"
    assert files.clean_name("\u202egpj.exe") == "gpj.exe"  # right-to-left override removed
    assert files.clean_name("...") == ""
    assert len(files.clean_name("a" * 300 + ".pdf")) == 200 and files.clean_name("a" * 300 + ".pdf").endswith(".pdf")


# --- large files: staff's limit, the scanner's limit, and a file the scanner refuses -----------------


def test_staff_uploads_are_held_to_the_smaller_of_their_limit_and_the_scanners(settings: Settings) -> None:
    assert files.staff_upload_limit(settings) == min(settings.staff_max_upload_bytes, settings.scanner_max_bytes)
    lower_scanner = dataclasses.replace(settings, scanner_max_bytes=5 * 1024 * 1024)
    assert files.staff_upload_limit(lower_scanner) == 5 * 1024 * 1024
    assert files.upload_limit(settings) == settings.max_upload_bytes  # the public default is unchanged
    assert files.upload_limit(lower_scanner, max_bytes=10**12) == 5 * 1024 * 1024
    assert files.service.limit_in_words(files.staff_upload_limit(settings)) == "2GB"


def test_a_staff_limit_above_the_public_one_is_honoured(runtime: Runtime, settings: Settings) -> None:
    public = dataclasses.replace(settings, max_upload_bytes=1024 * 1024, staff_max_upload_bytes=3 * 1024 * 1024)
    data = b"a" * (2 * 1024 * 1024)
    with pytest.raises(files.FileTooLarge, match="smaller than 1MB"):
        upload(runtime, public, "big.txt", data)
    with transaction(runtime.factory) as session:
        stored = files.store_upload(
            session, public, RESIDENT, filename="big.txt", stream=io.BytesIO(data),
            max_bytes=files.staff_upload_limit(public),
        )
    assert stored.size == len(data)


def test_no_upload_may_pass_the_scanners_limit(runtime: Runtime, settings: Settings) -> None:
    tight = dataclasses.replace(settings, scanner_max_bytes=1024 * 1024)
    with runtime.factory() as session, pytest.raises(files.FileTooLarge, match="smaller than 1MB") as caught:
        files.store_upload(
            session, tight, RESIDENT, filename="big.txt", stream=io.BytesIO(b"a" * (1024 * 1024 + 1)),
            max_bytes=files.staff_upload_limit(tight),
        )
    assert caught.value.errors == {"file": "The selected file must be smaller than 1MB"}
    assert incoming_leftovers(settings) == []


@pytest.mark.clamd
def test_a_file_clamd_refuses_as_too_large_stays_quarantined_and_is_not_retried(
    runtime: Runtime, settings: Settings
) -> None:
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    directory = Path(tempfile.mkdtemp(prefix="clamd-"))
    daemon = clamd_local.start(directory, max_mb=1)  # a clamd whose StreamMaxLength is 1M ...
    try:
        # ... while SCANNER_MAX_MB was set higher: clamd has the last word, and it is never "clean".
        live = dataclasses.replace(settings, clamd_socket=daemon.socket, scanner_max_bytes=10 * 1024 * 1024)
        too_big = upload(runtime, live, "report.txt", b"a" * (2 * 1024 * 1024) + clamd_local.EICAR)
        fine = upload(runtime, live, "letter.txt", LETTER)
        assert worker(runtime, live).run_until_idle() == 2
    finally:
        daemon.stop()
        shutil.rmtree(directory, ignore_errors=True)

    stored = reload(runtime, too_big.id)
    assert stored.status == files.QUARANTINED
    assert stored.scan_error == "This file is too large for the virus scanner"
    assert files.scan_status_message(stored) == "This file is too large for the virus scanner. It cannot be opened"
    assert scan_job(runtime, too_big.id).status == jobs.DONE  # no endless retries
    assert actions(runtime, too_big.id) == ["file.uploaded", "file.scan_impossible"]
    assert files.file_path(settings.files_dir, too_big.id).exists()  # kept: it is not known to be infected
    with runtime.factory() as session, pytest.raises(files.FileNotReady, match="too large"):
        files.open_for_download(session, live, too_big.id, requester_is_uploader=True)
    assert reload(runtime, fine.id).status == files.CLEAN


def test_a_stored_file_over_a_lowered_scanner_limit_is_refused_by_the_scan(
    runtime: Runtime, settings: Settings
) -> None:
    stored = upload(runtime, settings, "letter.txt", LETTER * 100)
    lowered = dataclasses.replace(settings, scanner_max_bytes=1024)  # SCANNER_MAX_MB lowered since: clamd not asked
    assert worker(runtime, lowered).run_until_idle() == 1
    stored = reload(runtime, stored.id)
    assert (stored.status, stored.scan_error) == (files.QUARANTINED, "This file is too large for the virus scanner")
    assert scan_job(runtime, stored.id).status == jobs.DONE
