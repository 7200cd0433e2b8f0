"""Importing cases from a spreadsheet and exporting them to one (managers and administrators).

An upload is all or nothing; its outcome (the references made, or every
problem found) is a page of its own after a 303, backed by the audit record,
so refreshing never imports twice and the page can be bookmarked.
"""

from __future__ import annotations

from typing import Any, cast

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import Response

from backoffice.admin import imports
from backoffice.admin.web.common import path_int
from backoffice.cases import transfer
from backoffice.cases.case_types import case_types
from backoffice.cases.queues import CaseFilter
from backoffice.cases.transfer_formats import MAX_BYTES, Format
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.access import current_user
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8"}
EXPORT_ORDER = ("format", "case_type", "cases")
#: How many problems the error summary lists before pointing at the full table.
SUMMARY_PROBLEMS = 10


def _download(data: bytes, fmt: str, filename: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _upload_form(ctx: RequestContext, errors: dict[str, str] | None = None) -> Response:
    context = {"max_megabytes": MAX_BYTES // (1024 * 1024), "max_rows": transfer.MAX_ROWS,
               "columns": transfer.IMPORT_COLUMNS}
    return render_form(ctx, "backoffice/admin/import.html", context, errors, ("file",))


def import_page(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return _upload_form(ctx)
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_form(ctx, {"file": "Select a spreadsheet file to import"})
    if repeated(ctx):
        previous = imports.latest_import(ctx.db, current_user(ctx).id)
        return ctx.redirect("cases-import-result", event_id=previous.id) if previous else ctx.redirect("cases-import")
    data = upload.file.read(MAX_BYTES + 1)
    assert ctx.actor is not None
    try:
        outcome = imports.run_import(ctx.db, ctx.actor, upload.filename, data)
    except InvalidInput as exc:
        return _upload_form(ctx, {"file": exc.errors.get("file") or exc.detail})
    return ctx.redirect("cases-import-result", event_id=outcome.event_id)


def import_result(ctx: RequestContext) -> Response:
    event = imports.import_record(ctx.db, path_int(ctx, "event_id"), current_user(ctx).id)
    if event.action == imports.IMPORTED:
        references = [str(r) for r in event.detail.get("references", [])]
        return render_form(ctx, "backoffice/admin/import_done.html", {"references": references, "event": event})
    report = imports.refused_report(event)
    total = int(event.detail.get("total_errors", len(report.errors)))
    error_list: list[dict[str, Any]] = [
        {"text": f"Row {e.row}: {e.message}", "href": f"#problem-{index}"}
        for index, e in enumerate(report.errors[:SUMMARY_PROBLEMS])
    ]
    if total > SUMMARY_PROBLEMS:
        error_list.append({"text": f"And {total - SUMMARY_PROBLEMS} more problems: see the table", "href": "#problems"})
    context = {"report": report, "total": total, "event": event, "errors": {"problems": "Nothing imported"},
               "error_list": error_list, "max_megabytes": MAX_BYTES // (1024 * 1024)}
    return render_form(ctx, "backoffice/admin/import_problems.html", context)


def problems_csv(ctx: RequestContext) -> Response:
    event = imports.import_record(ctx.db, path_int(ctx, "event_id"), current_user(ctx).id)
    if event.action != imports.REFUSED:
        raise InvalidInput("That import was not refused")
    return _download(transfer.error_report_csv(imports.refused_report(event)), "csv", f"import-problems-{event.id}.csv")


def template(ctx: RequestContext) -> Response:
    fmt = ctx.request.path_params["fmt"]
    if fmt not in MEDIA_TYPES:
        raise HTTPException(status_code=404)
    return _download(transfer.template(cast(Format, fmt)), fmt, f"case-import-template.{fmt}")


def export_page(ctx: RequestContext, errors: dict[str, str] | None = None) -> Response:
    values = {name: ctx.request.query_params.get(name, "") for name in EXPORT_ORDER}
    context = {"case_types": case_types(ctx.db), "values": values}
    return render_form(ctx, "backoffice/admin/export.html", context, errors, EXPORT_ORDER)


def export_download(ctx: RequestContext) -> Response:
    """A GET (it changes nothing but the audit log), so the browser saves the file from the form directly."""
    params = ctx.request.query_params
    fmt, type_key, which = params.get("format", ""), params.get("case_type", ""), params.get("cases", "")
    errors: dict[str, str] = {}
    if fmt not in MEDIA_TYPES:
        errors["format"] = "Select a file format"
    if type_key and type_key not in {t.key for t in case_types(ctx.db)}:
        errors["case_type"] = "Select a case type from the list"
    if which not in ("open", "all"):
        errors["cases"] = "Select which cases to export"
    if errors:
        return export_page(ctx, errors)
    case_filter = CaseFilter(case_types=(type_key,) if type_key else (), open_only=which == "open", sort="reference")
    data = transfer.export_cases(ctx.db, current_user(ctx), case_filter, cast(Format, fmt), actor=ctx.actor)
    return _download(data, fmt, f"cases-{type_key or 'all'}-{today_in_london():%Y-%m-%d}.{fmt}")
