"""Asking for the case list, or a report over many cases, as a file; writing it (at once when small, by the
worker when not); finding it again.

A list of up to ``AT_ONCE`` cases is written while the manager waits; a longer one is queued, and the
worker writes it with its progress kept on the export, so the exports page can say how far it has got.
Either way the file is a stored file: scanned for viruses before it is served, like every other. Asking
for one and downloading it are both in the audit log, since the list holds requesters' personal data.
When DATA_DIR has no room above DISK_RESERVE_MB the file is not written (nor half of it): the export waits,
saying so, and the worker writes it once there is room (``shared.files`` refuses, ``shared.jobs`` waits).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.reporting import case_export, exports
from backoffice.reporting.models import FAILED, QUEUED, WAITING, WRITING, WRITTEN, ReportExport
from backoffice.reporting.periods import Period, parse_period
from backoffice.reporting.registry import Context, Report, get_report, run_report
from backoffice.staff.accounts import Role, StaffUser
from shared import audit, jobs, tables
from shared.db import utcnow
from shared.errors import NotFound
from shared.files import storage
from shared.files.models import StoredFile
from shared.files.service import FilesUnavailable, scan_status_message, store_written
from shared.settings import Settings
from shared.tables import Format

CASE_LIST = "case-list"
EXPORT_JOB = "reporting.export"
AT_ONCE = 10_000
#: A report over more cases than this is offered as a file the worker prepares, not a download at once.
LARGE_REPORT = 100_000
EXPORTER = audit.Actor(type="system", id=None, label="case list export")
SHOWN = 20
#: How long a written export is kept to download.
KEPT = dt.timedelta(days=7)


def request_case_list(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, period: Period,
                      fmt: Format, today: dt.date) -> ReportExport:
    total = case_export.count(session, period)
    export = ReportExport(report=CASE_LIST, period_key=period.key, format=fmt, rows_total=total,
                          requested_by_id=user.id)
    session.add(export)
    session.flush()
    audit.record(session, actor, "report.export_requested", "report_export", str(export.id),
                 f"Case list of {total} cases received {period.label} ({fmt.upper()})",
                 {"period": period.key, "format": fmt, "cases": total})
    if total <= AT_ONCE:
        try:
            write_export(session, settings, export, today)
            return export
        except FilesUnavailable:  # nothing written: the worker writes it once there is room
            export.status = WAITING
    jobs.enqueue(session, EXPORT_JOB, {"export_id": export.id}, max_attempts=3)
    return export


def request_report(session: Session, actor: audit.Actor, user: StaffUser, report: Report, period: Period,
                   fmt: Format) -> ReportExport:
    """A report over many cases, written by the worker into a stored file (so a long count never holds a
    request); the requester downloads it from "Your exports"."""
    total = case_export.count(session, period)
    export = ReportExport(report=report.name, period_key=period.key, format=fmt, rows_total=total,
                          requested_by_id=user.id)
    session.add(export)
    session.flush()
    audit.record(session, actor, "report.export_requested", "report_export", str(export.id),
                 f"{report.title}, {period.label} ({fmt.upper()}), over {total} cases",
                 {"report": report.name, "period": period.key, "format": fmt, "cases": total})
    jobs.enqueue(session, EXPORT_JOB, {"export_id": export.id}, max_attempts=3)
    return export


def title_of(export: ReportExport) -> str:
    if export.report == CASE_LIST:
        return "Case list"
    try:
        return get_report(export.report).title
    except NotFound:
        return export.report


def write_export(session: Session, settings: Settings, export: ReportExport, today: dt.date,
                 progress: Callable[[int], None] | None = None) -> None:
    period = parse_period(export.period_key, today)
    fmt: Format = export.format  # type: ignore[assignment]
    if export.report == CASE_LIST:
        table = case_export.table(session, period, today, progress)
        name = f"cases-{period.key.replace('..', '-to-')}{tables.extension(fmt)}"
        stored = store_written(session, settings, EXPORTER, filename=name, content_type=tables.content_type(fmt),
                               write=lambda out: tables.write(fmt, out, [table]))
    else:
        result = run_report(session, get_report(export.report), period, Context(today=today,
                                                                                 body_name=settings.org_name))
        stored = store_written(session, settings, EXPORTER, filename=exports.filename(result, fmt),
                               content_type=tables.content_type(fmt),
                               write=lambda out: exports.write_report(fmt, out, result))
    session.flush()  # the file's row before the export points at it
    export.file_id = stored.id
    export.status = WRITTEN
    export.rows_done = export.rows_total
    export.finished_at = utcnow()


def progress_path(settings: Settings, export_id: int) -> Path:
    """Where the worker notes how far it has got. Not the database: the job's transaction holds SQLite's
    write lock until it commits, and progress is not worth a row. The files directory is shared by every
    host (it holds the files they serve), so any web host can read it."""
    return storage.incoming_dir(settings.files_dir) / f"export-{int(export_id)}.progress"


def _note_progress(settings: Settings, export_id: int) -> Callable[[int], None]:
    path = progress_path(settings, export_id)

    def note(done: int) -> None:
        partial = path.with_suffix(".partial")
        try:
            partial.write_text(str(done))
            os.replace(partial, path)
        except OSError:  # a full disk, say: the file being counted meets it too, and waits; a note is not worth failing
            partial.unlink(missing_ok=True)

    return note


def read_progress(settings: Settings, export_id: int) -> int | None:
    try:
        return int(progress_path(settings, export_id).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return None


def handle_export(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    export = session.get(ReportExport, int(payload.get("export_id", 0)))
    if export is None or export.status == WRITTEN:
        return
    try:
        write_export(session, context.settings, export, dt.date.today(), _note_progress(context.settings, export.id))
    finally:
        progress_path(context.settings, export.id).unlink(missing_ok=True)


def wait_for_space(session: Session, payload: dict[str, Any], _reason: str) -> None:
    """The job's ``waiting`` hook: ``write_export`` met a full disk (``FilesUnavailable``), and the exports
    page says the file waits for disk space until the worker, trying again, finds room."""
    export = session.get(ReportExport, int(payload.get("export_id", 0)))
    if export is not None and export.status != WRITTEN:
        export.status = WAITING


def give_up_export(session: Session, payload: dict[str, Any], error: str) -> None:
    export = session.get(ReportExport, int(payload.get("export_id", 0)))
    if export is not None:
        export.status = FAILED
        export.error = "The export could not be written. Try again, or ask your administrator."
        export.finished_at = utcnow()


def forget_old(session: Session, settings: Settings, now: dt.datetime | None = None) -> int:
    """Delete exports (and their files) older than ``KEPT``: a case list is personal data, kept no longer
    than it takes to use it."""
    cutoff = (now or utcnow()) - KEPT
    old = list(session.scalars(select(ReportExport).where(ReportExport.created_at < cutoff)))
    for export in old:
        if export.file_id:
            stored = session.get(StoredFile, export.file_id)
            storage.remove(settings.files_dir, export.file_id)
            if stored is not None:
                session.delete(stored)
        session.delete(export)
    return len(old)


def exports_of(session: Session, user: StaffUser) -> list[ReportExport]:
    return list(session.scalars(select(ReportExport).where(ReportExport.requested_by_id == user.id)
                                .order_by(ReportExport.id.desc()).limit(SHOWN)))


def export_for(session: Session, user: StaffUser, export_id: int) -> ReportExport:
    """An export its requester (or an administrator) may see; anyone else learns nothing of it."""
    export = session.get(ReportExport, export_id)
    if export is None or (export.requested_by_id != user.id and user.role != Role.ADMINISTRATOR.value):
        raise NotFound("There is no such export")
    return export


def state(session: Session, settings: Settings, export: ReportExport) -> tuple[str, bool]:
    """What the exports page says of it, and whether it can be downloaded now."""
    if export.status == FAILED:
        return export.error or "The export failed", False
    if export.status in (QUEUED, WAITING, WRITING):
        done = read_progress(settings, export.id)  # a waiting export being tried again has progress
        if done is None and export.status == WAITING:
            return "Waiting for disk space: it will be written when there is room", False
        if done is None:
            return f"Waiting to start: {export.rows_total:,} cases", False
        if export.report != CASE_LIST:
            return f"Counting {export.rows_total:,} cases", False
        return f"Writing: {done:,} of {export.rows_total:,} cases", False
    stored = session.get(StoredFile, export.file_id) if export.file_id else None
    if stored is None:
        return "The file has been deleted", False
    return scan_status_message(stored), stored.is_clean


def record_download(session: Session, actor: audit.Actor, export: ReportExport) -> None:
    audit.record(session, actor, "report.export_downloaded", "report_export", str(export.id),
                 f"Downloaded {title_of(export).lower()} for {export.period_key}", {"file_id": export.file_id})


__all__ = ["AT_ONCE", "CASE_LIST", "EXPORT_JOB", "KEPT", "LARGE_REPORT", "export_for", "exports_of", "forget_old",
           "handle_export", "record_download", "request_case_list", "request_report", "state", "title_of",
           "wait_for_space", "write_export"]
