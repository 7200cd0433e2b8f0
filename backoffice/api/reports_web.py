"""Reports in the API: any report of the catalogue for a period, as JSON or as the files managers download.

The same domain as the reporting area's pages (``backoffice.reporting``): the same figures, judged the
same way. A bad period or format is a 422 problem, an unknown report a 404; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from starlette.responses import Response

from backoffice.api.errors import BadRequest
from backoffice.intake.new_cases import today_in_london
from backoffice.reporting import exports
from backoffice.reporting.periods import last_quarter, parse_period
from backoffice.reporting.registry import Cell, Context, ReportResult, get_report, run_report
from shared import tables
from shared.errors import InvalidInput
from shared.web import RequestContext


def _value(cell: Cell) -> Any:
    value = cell.value
    if isinstance(value, tables.Rating):
        return {"text": value.text, "level": value.level}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_json(result: ReportResult) -> dict[str, Any]:
    return {
        "report": result.name, "title": result.title,
        "period": {"key": result.period.key, "label": result.period.label, "start": result.period.start.isoformat(),
                   "end": result.period.end.isoformat()},
        "as_at": result.as_at.isoformat(), "final": result.final,
        "tables": [{"key": table.key, "title": table.title,
                    "columns": [{"key": c.key, "heading": c.heading, "definition": c.definition, "kind": c.kind}
                                for c in table.columns],
                    "rows": [[_value(cell) for cell in row] for row in table.rows]} for table in result.tables],
        "notes": list(result.notes),
    }


PARAMETERS = ("period", "format")


def _query(ctx: RequestContext) -> dict[str, str]:
    """The query string; unknown or repeated parameters are errors, not silently ignored (as for /cases)."""
    found: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in ctx.request.query_params.multi_items():
        if name not in PARAMETERS:
            errors[name[:40] or "query"] = "Unknown parameter; allowed: " + ", ".join(PARAMETERS)
        elif name in found:
            errors[name] = "Give this parameter once"
        else:
            found[name] = value
    if errors:
        raise BadRequest("Some query parameters are not valid", errors)
    return found


def show_report(ctx: RequestContext) -> Response:
    report = get_report(ctx.request.path_params["report"][:60])
    today = today_in_london()
    query = _query(ctx)
    text = query.get("period", "")[:40]
    period = parse_period(text, today) if text else last_quarter(today)
    wanted = query.get("format", "json")[:10]
    fmt = exports.parse_format(wanted)
    if wanted != "json" and fmt is None:
        raise InvalidInput("Unknown format", {"format": "Format must be json, csv, xlsx or ods"})
    result = run_report(ctx.db, report, period, Context(today=today, body_name=ctx.settings.org_name))
    if fmt is None:
        return ctx.json(report_json(result))
    out = io.BytesIO()
    exports.write_report(fmt, out, result)
    return Response(out.getvalue(), media_type=tables.content_type(fmt), headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(result, fmt)}"'})
