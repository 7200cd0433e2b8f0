"""Closing a case from another system: the outcome, exemptions and response date the statutory returns count.

The same domain step as the staff close page (``workflow.close``), by the API client as a trusted system (an
administrator's permissions; the case's state still decides). A system that keeps the official vocabulary
rather than this body's outcome keys may send an official category and refusal reason: it is mapped to the one
outcome of the case type classified so, or refused when none or several are, so a report is never guessed.
"""

from __future__ import annotations

from starlette.responses import Response

from backoffice.api.clock import clock_json
from backoffice.api.requests import actor_of, find_case, json_body
from backoffice.api.schemas import case_json, case_url, parse_date
from backoffice.api.shares_web import as_trusted_system
from backoffice.cases import workflow
from backoffice.cases.models import StatusKind
from shared.errors import Conflict
from shared.web import RequestContext


def close_case(ctx: RequestContext) -> Response:
    values = json_body(ctx, "CaseClose")
    case = find_case(ctx)
    user = as_trusted_system(ctx)
    outcome = workflow.outcome_key(case.case_type, values["outcome"], values.get("refusal_reason"))
    if case.status.kind == StatusKind.CLOSED and case.outcome != outcome:
        raise Conflict(f"The case {case.reference} is closed with another outcome: reopen it on its page to change it")
    responded = values.get("responded_on")
    workflow.close(ctx.db, actor_of(ctx), user, case, outcome=outcome, exemptions=values.get("exemptions") or [],
                   responded_on=parse_date(responded) if responded else None)
    ctx.db.flush()
    return ctx.json(case_json(case, ctx.settings, clock_json(ctx.db, [case])[case.id]),
                    headers={"Location": case_url(ctx.settings, case.reference)})
