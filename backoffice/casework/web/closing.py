"""Closing a case with an outcome (and exemptions where the type records them), and reopening one.

Each is a page of its own, a question with radios or a reason, because both
change what the requester and the statutory reports see.

The exemptions offered are those of the law the case is answered under (its effective rule's), so a
Scottish body's FOI is offered FOISA's sections.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.exemptions import exemptions_for
from backoffice.cases.models import Case, StatusKind
from backoffice.casework.web.common import actor_of, case_date, flash, form_values
from backoffice.deadlines.rules import effective_rule
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

CLOSE = "backoffice/cases/close.html"
REOPEN = "backoffice/cases/reopen.html"
#: The date boxes' prefix, and the domain's field name for the response date.
RESPONDED = "responded_on"


def _case(ctx: RequestContext) -> tuple[StaffUser, Case]:
    """The case if the person may see it: the same 403 page whether it is hidden or missing."""
    user = current_user(ctx)
    return user, workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])


def _require(ctx: RequestContext, user: StaffUser, case: Case, action: Action) -> None:
    """The form is offered only to those the domain would let act (it checks again on POST)."""
    if action not in allowed_actions(ctx.db, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")


def close(ctx: RequestContext) -> Response:
    user, case = _case(ctx)
    if case.status.kind == StatusKind.CLOSED:
        return ctx.redirect("case", reference=case.reference)
    _require(ctx, user, case, Action.CLOSE)
    if ctx.is_read:
        return _close_form(ctx, case, _response_date_values(case))
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    outcome = ctx.field("outcome")
    chosen = [v for v in (ctx.form.getlist("exemptions") if ctx.form else []) if isinstance(v, str)]
    # Offered filled in; boxes left empty mean "as recorded, else today", which is what closing does without a date.
    sent = case_date(form_values(ctx), RESPONDED, "the date the response was sent", required=False)
    if sent.error:  # the domain's other checks still run, so every mistake is listed at once
        errors = workflow.closing_errors(ctx.db, case, outcome=outcome, exemptions=chosen)
        return _close_again(ctx, {**errors, RESPONDED: sent.error}, 422, sent.anchor(RESPONDED))
    try:
        with ctx.attempt():
            workflow.close(ctx.db, actor_of(ctx), user, case, outcome=outcome, exemptions=chosen,
                           responded_on=sent.value)
    except InvalidInput as exc:
        return _close_again(ctx, exc.errors or {"outcome": exc.detail}, 422, sent.anchor(RESPONDED))
    except Conflict as exc:
        return _close_again(ctx, {"open-tasks": exc.detail}, 409)
    label = {o["key"]: o["label"] for o in case.case_type.closure_outcomes}.get(outcome, outcome)
    flash(ctx, f"Case closed: {label}")
    return ctx.redirect("case", reference=case.reference)


def _response_date_values(case: Case) -> dict[str, Any]:
    """The date boxes filled in with the response date already recorded (Secure Share's), else today."""
    on = case.responded_on or today_in_london()
    return {f"{RESPONDED}-day": str(on.day), f"{RESPONDED}-month": str(on.month), f"{RESPONDED}-year": str(on.year)}


def _close_again(ctx: RequestContext, errors: dict[str, str], status_code: int,
                 date_anchor: str = f"{RESPONDED}-day") -> Response:
    values = form_values(ctx, lists=("exemptions",))
    values.setdefault("exemptions", [])
    _, case = _case(ctx)
    return _close_form(ctx, case, values, errors, status_code, date_anchor)


def _close_form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None = None,
                status_code: int = 200, date_anchor: str = f"{RESPONDED}-day") -> Response:
    anchors = {"exemptions": "exemptions", RESPONDED: date_anchor}
    context = {
        "case": case,
        "values": values,
        "outcomes": [(o["key"], o["label"]) for o in case.case_type.closure_outcomes],
        "exemption_choices": list(exemptions_for(ctx.db, case.case_type).items())
        if case.case_type.exemptions_enabled else [],
        "exemption_law": _law_name(ctx, case),
        "open_tasks": workflow.open_tasks(ctx.db, case),
        "today": today_in_london(),
        **(error_summary(errors, ("outcome", "exemptions", RESPONDED, "open-tasks"), anchors) if errors else {}),
    }
    return ctx.render(CLOSE, context, status_code=status_code)


def _law_name(ctx: RequestContext, case: Case) -> str | None:
    """The law the exemptions are of, named on the form (a Scottish body's FOI is answered under FOISA)."""
    law = effective_rule(ctx.db, case.case_type).law
    return law.label if law else None


def reopen(ctx: RequestContext) -> Response:
    user, case = _case(ctx)
    if case.status.kind != StatusKind.CLOSED:
        return ctx.redirect("case", reference=case.reference)
    _require(ctx, user, case, Action.REOPEN)
    if ctx.is_read:
        return ctx.render(REOPEN, {"case": case, "values": {}})
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    try:
        with ctx.attempt():
            workflow.reopen(ctx.db, actor_of(ctx), user, case, ctx.field("reason"))
    except InvalidInput as exc:
        values = form_values(ctx)
        _, case = _case(ctx)
        context = {"case": case, "values": values, **error_summary(exc.errors or {"reason": exc.detail}, ("reason",))}
        return ctx.render(REOPEN, context, status_code=422)
    flash(ctx, "Case reopened")
    return ctx.redirect("case", reference=case.reference)
