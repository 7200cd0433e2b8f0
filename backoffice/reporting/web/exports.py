"""The case list export and report files over many cases: asking for one, following its progress, downloading it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.reporting import case_export, exporting
from backoffice.reporting.exports import parse_format
from backoffice.reporting.registry import get_report
from backoffice.reporting.web.pages import chosen_period, period_form, report_context
from backoffice.staff.access import current_user
from shared.errors import InvalidInput
from shared.files import storage
from shared.files.service import download_headers, open_for_download
from shared.web import RequestContext
from shared.web.downloads import file_response
from shared.web.forms import error_summary, repeated

PAGE = "backoffice/reports/case_list.html"


def case_list(ctx: RequestContext, errors: dict[str, str] | None = None) -> Response:
    period, period_errors, typed = chosen_period(ctx)
    found = {**period_errors, **(errors or {})}
    values: dict[str, Any] = {**period_form(ctx, period, typed, period_errors), "columns": case_export.COLUMNS,
                              "period": period, "at_once": exporting.AT_ONCE,
                              **error_summary(found, ("period", "from", "to", "format"),
                                              {"from": "from-day", "to": "to-day", "format": "format"})}
    if period is not None:
        values["total"] = case_export.count(ctx.db, period)
    return ctx.render(PAGE, values, status_code=422 if found else 200)


def create(ctx: RequestContext) -> Response:
    if repeated(ctx):
        return ctx.redirect("report-exports")
    period, errors, _ = chosen_period(ctx, source=ctx.field)
    fmt = parse_format(ctx.field("format"))
    if fmt is None:
        errors["format"] = "Choose the kind of file"
    if period is None or fmt is None:
        return case_list(ctx, errors)
    assert ctx.actor is not None
    with ctx.attempt():
        exporting.request_case_list(ctx.db, ctx.settings, ctx.actor, current_user(ctx), period, fmt,
                                    report_context(ctx).today)
    return ctx.redirect("report-exports")


def prepare(ctx: RequestContext) -> Response:
    """A report over many cases as a file the worker writes: the page offers this instead of a link."""
    report = get_report(ctx.request.path_params["report"])
    if repeated(ctx):
        return ctx.redirect("report-exports")
    period, errors, _ = chosen_period(ctx, source=ctx.field)
    fmt = parse_format(ctx.field("format"))
    if period is None or fmt is None:
        raise InvalidInput("Choose a real period and the kind of file", {**errors, "format": "Choose the kind of file"})
    assert ctx.actor is not None
    with ctx.attempt():
        exporting.request_report(ctx.db, ctx.actor, current_user(ctx), report, period, fmt)
    return ctx.redirect("report-exports")


def index(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    rows = []
    for export in exporting.exports_of(ctx.db, user):
        words, ready = exporting.state(ctx.db, ctx.settings, export)
        rows.append({"export": export, "state": words, "ready": ready, "title": exporting.title_of(export),
                     "href": ctx.path_for("report-export-file", export_id=export.id)})
    return ctx.render("backoffice/reports/exports.html", {"rows": rows, "kept_days": exporting.KEPT.days})


def download(ctx: RequestContext) -> Response:
    """The file, once written and found clean; every download is in the audit log (it is personal data)."""
    export = exporting.export_for(ctx.db, current_user(ctx), ctx.request.path_params["export_id"])
    stored, stream = open_for_download(ctx.db, ctx.settings, export.file_id or "")
    stream.close()
    assert ctx.actor is not None
    exporting.record_download(ctx.db, ctx.actor, export)
    return file_response(ctx.request, path=storage.file_path(ctx.settings.files_dir, stored.id), size=stored.size,
                         etag=stored.sha256, headers=download_headers(stored))
