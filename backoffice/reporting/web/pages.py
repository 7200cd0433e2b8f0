"""The reporting area: the catalogue, a report for a period, and the cases behind any figure."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.responses import Response

from backoffice.cases.access import can_see
from backoffice.casework.web.listing import page_number, pagination
from backoffice.intake.new_cases import today_in_london
from backoffice.reporting import case_export, exporting, exports
from backoffice.reporting.choices import period_choices
from backoffice.reporting.dashboard import Point, dashboard
from backoffice.reporting.periods import Period, custom, last_quarter, parse_period
from backoffice.reporting.registry import Context, Report, all_reports, figure_cases, get_report, run_report
from backoffice.staff.access import current_user
from shared import tables
from shared.charts import bar_chart, line_chart
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import date_parts, error_summary, parse_date

PER_PAGE = 25
CUSTOM = "custom"


@dataclass(frozen=True)
class Page:
    page: int
    pages: int


def report_context(ctx: RequestContext) -> Context:
    return Context(today=today_in_london(), body_name=ctx.settings.org_name)


def chosen_period(ctx: RequestContext, source: Callable[[str], str] | None = None,
                  ) -> tuple[Period | None, dict[str, str], dict[str, dict[str, str]]]:
    """The period the query (or, with ``source``, a form) asks for, last quarter when it asks for none; the
    errors; and the custom dates typed."""
    today = today_in_london()
    read = source or (lambda key: ctx.request.query_params.get(key, ""))
    text = read("period").strip()[:40]
    typed = {name: date_parts(lambda key: read(key)[:10], name) for name in ("from", "to")}
    if text != CUSTOM:
        if not text:
            return last_quarter(today), {}, typed
        try:
            return parse_period(text, today), {}, typed
        except InvalidInput as exc:
            return None, dict(exc.errors or {"period": exc.detail}), typed
    errors: dict[str, str] = {}
    days = {}
    for name, label in (("from", "the first day"), ("to", "the last day")):
        answer = parse_date(typed[name], label, today=today)
        if answer.error:
            errors[name] = answer.error
        days[name] = answer.value
    if errors or days["from"] is None or days["to"] is None:
        return None, errors, typed
    try:
        return custom(days["from"], days["to"], today), {}, typed
    except InvalidInput as exc:
        return None, {"from": next(iter((exc.errors or {}).values()), exc.detail)}, typed


def period_form(ctx: RequestContext, period: Period | None, typed: dict[str, dict[str, str]],
                 errors: dict[str, str]) -> dict[str, Any]:
    today = today_in_london()
    selected = CUSTOM if ctx.request.query_params.get("period", "") == CUSTOM else (period.key if period else "")
    groups: dict[str, list[dict[str, Any]]] = {}
    for choice in period_choices(today):
        label = choice.period.label + (" (so far)" if not choice.period.is_over(today) else "")
        groups.setdefault(choice.group, []).append(
            {"value": choice.period.key, "text": label, "selected": choice.period.key == selected})
    return {
        "period_groups": groups, "selected_period": selected,
        "date_values": {f"{name}-{part}": value for name, parts in typed.items() for part, value in parts.items()},
    }


def index(ctx: RequestContext) -> Response:
    grouped: dict[str, list[Report]] = {}
    for report in all_reports():
        grouped.setdefault(report.group, []).append(report)
    return ctx.render("backoffice/reports/index.html", {"grouped": grouped})


def show(ctx: RequestContext) -> Response:
    report = get_report(ctx.request.path_params["report"])
    period, errors, typed = chosen_period(ctx)
    values: dict[str, Any] = {"report": report, **period_form(ctx, period, typed, errors),
                              **error_summary(errors, ("period", "from", "to"), {"from": "from-day", "to": "to-day"})}
    if period is None:
        return ctx.render("backoffice/reports/report.html", {**values, "result": None}, status_code=422)
    result = run_report(ctx.db, report, period, report_context(ctx))
    base_query = {"period": period.key}
    cases = case_export.count(ctx.db, period)
    values.update(result=result, query=urlencode(base_query), formats=exports.FORMATS, cases=cases,
                  large=cases > exporting.LARGE_REPORT,
                  download_href=lambda fmt: ctx.path_for("report-download", report=report.name) + "?" + urlencode(
                      {**base_query, "format": fmt}),
                  figure_href=lambda table, cell: ctx.path_for("report-cases", report=report.name) + "?" + urlencode(
                      {**base_query, "table": table, "figure": cell.figure, **({"row": cell.row} if cell.row else {})}))
    return ctx.render("backoffice/reports/report.html", values)


def dashboard_page(ctx: RequestContext) -> Response:
    period, errors, typed = chosen_period(ctx)
    values: dict[str, Any] = {**period_form(ctx, period, typed, errors),
                              **error_summary(errors, ("period", "from", "to"), {"from": "from-day", "to": "to-day"})}
    if period is None:
        return ctx.render("backoffice/reports/dashboard.html", {**values, "board": None}, status_code=422)
    board = dashboard(ctx.db, period, report_context(ctx))
    charts = {panel.key: (bar_chart if panel.kind == "bar" else line_chart)(
        panel.title, [p.label for p in panel.points], [(panel.title, panel.values)], unit=panel.unit)
        for panel in board.panels}

    def href(point: Point) -> str:
        return ctx.path_for("report-cases", report=point.report) + "?" + urlencode(
            {"period": period.key, "table": point.table, "figure": point.cell.figure or "",
             **({"row": point.cell.row} if point.cell.row else {})})

    return ctx.render("backoffice/reports/dashboard.html", {**values, "board": board, "charts": charts,
                                                            "point_href": href})


def download(ctx: RequestContext) -> Response:
    """The report as a file; a bad period or format is the report page with its error, never a file."""
    report = get_report(ctx.request.path_params["report"])
    period, errors, _ = chosen_period(ctx)
    fmt = exports.parse_format(ctx.request.query_params.get("format", ""))
    if fmt is None:
        errors["format"] = "Choose CSV, XLSX or ODS"
    if period is None or fmt is None:
        raise InvalidInput("Choose a real period and format", errors)
    result = run_report(ctx.db, report, period, report_context(ctx))
    out = io.BytesIO()
    exports.write_report(fmt, out, result)
    return Response(out.getvalue(), media_type=tables.content_type(fmt), headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(result, fmt)}"'})


def cases(ctx: RequestContext) -> Response:
    """The cases a figure counts, as many as the figure; a restricted case the reader may not open is listed
    by reference only, so the count still matches. Each shows the dates the figure judged: a stage figure's,
    the stage's own, whatever stage the complaint is at now."""
    report = get_report(ctx.request.path_params["report"])
    period, errors, _ = chosen_period(ctx)
    if period is None:
        raise InvalidInput("Choose a real period", errors)
    query = ctx.request.query_params
    found = figure_cases(ctx.db, report, period, report_context(ctx), table=query.get("table", "")[:40],
                         figure=query.get("figure", "")[:40], row=(query.get("row") or None))
    total = ctx.db.scalar(select(func.count()).select_from(found.query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    number = min(page_number(ctx), pages)
    user = current_user(ctx)
    rows = [{
        "reference": item.case.reference, "visible": can_see(ctx.db, user, item.case),
        "href": ctx.path_for("case", reference=item.case.reference), "type": item.case.case_type.name,
        "subject": item.case.subject, "status": item.case.status.label, "stage": item.case.stage or 1,
        "received_on": item.started_on, "due_on": item.due_on, "responded_on": item.responded_on,
    } for item in found.listed(ctx.db, PER_PAGE, (number - 1) * PER_PAGE)]
    back = ctx.path_for("report", report=report.name) + "?" + urlencode({"period": period.key})
    return ctx.render("backoffice/reports/cases.html", {
        "report": report, "found": found, "period": period, "total": total, "rows": rows, "back": back,
        "pagination": pagination(ctx, Page(number, pages), "report-cases", report=report.name),
    })
