"""A case's targets page and the escalate-by-hand form on it.

Escalating posts a reason; a refusal (no reason, already escalated) shows the same page again with the
GOV.UK error summary, and success goes back to the case page with a success message.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from backoffice.automation import escalation
from backoffice.automation.targets import case_targets
from backoffice.automation.timing import LONDON
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.workflow import get_case
from backoffice.casework.web.common import actor_of, flash
from backoffice.staff.access import current_user
from shared.errors import Conflict, InvalidInput
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

TEMPLATE = "backoffice/automation/case_targets.html"


def targets(ctx: RequestContext, errors: Mapping[str, str] | None = None, reason: str = "",
            status_code: int = 200) -> Response:
    user = current_user(ctx)
    case = get_case(ctx.db, user, ctx.request.path_params["reference"])
    can_escalate = (not case.escalated and user.role != "read-only"
                    and Action.ADD_NOTE in allowed_actions(ctx.db, user, case))
    context = {"case": case, "found": case_targets(ctx.db, case), "can_escalate": can_escalate, "reason": reason,
               "london": LONDON, **error_summary(errors or {}, ("reason",))}
    return ctx.render(TEMPLATE, context, status_code=status_code)


def escalate(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    case = get_case(ctx.db, user, ctx.request.path_params["reference"])
    reference = case.reference
    if repeated(ctx):
        return ctx.redirect("case", reference=reference)
    reason = ctx.field("reason")
    try:
        with ctx.attempt():
            escalation.escalate(ctx.db, ctx.settings, actor_of(ctx), user, case, reason)
    except InvalidInput as exc:
        return targets(ctx, dict(exc.errors) or {"reason": exc.detail}, reason, status_code=422)
    except Conflict as exc:
        return targets(ctx, {"reason": exc.detail}, reason, status_code=409)
    flash(ctx, "Case escalated")
    return ctx.redirect("case", reference=reference)
