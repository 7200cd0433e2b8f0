"""The completion target on the case page, and the three pages that change it: extend, stop, restart.

Each change is a page of its own (like closing), because it moves the date the
law holds the body to and needs a reason or a date. The pages are offered only
to those the per-type clock permissions allow; the POST checks again, and the
domain (``backoffice.deadlines.actions``) refuses what the law does not allow, which
is shown as a GOV.UK error on the same page. The domain audits every change,
so each one is on the case's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.models import Case, StatusKind
from backoffice.casework.web.common import actor_of, case_date, flash, form_values
from backoffice.clocks import ClockError, ClockEvent, Deadline, EventKind
from backoffice.deadlines import actions
from backoffice.deadlines.due_dates import case_deadline, events_of
from backoffice.deadlines.rules import case_rule
from backoffice.deadlines.state import PAUSES, ClockState, PauseReason, replay, waiting_for
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.access import current_user
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

EXTEND = "backoffice/cases/clock_extend.html"
STOP = "backoffice/cases/clock_stop.html"
RESTART = "backoffice/cases/clock_restart.html"

#: Why the clock stops: the radio's label and its hint (offered where the type's rule accepts the stopping event).
REASONS: dict[PauseReason, tuple[str, str]] = {
    PauseReason.FEE: ("Waiting for a fee", "You have sent the requester a fees notice"),
    PauseReason.CLARIFICATION: ("Waiting for clarification", "You have asked the requester what information they want"),
    PauseReason.IDENTITY: ("Waiting for identity evidence", "You have asked the requester to prove who they are"),
}
#: The restart page's question, by what the clock was waiting for.
RESTART_QUESTIONS = {
    PauseReason.FEE: "When was the fee paid?",
    PauseReason.CLARIFICATION: "When did the requester clarify the request?",
    PauseReason.IDENTITY: "When did the identity evidence arrive?",
}


@dataclass(frozen=True)
class ClockView:
    """What the case page says about the completion target, and which clock actions it offers now.

    ``state`` is the clock state the API shows too; the rest is the page's own."""

    state: ClockState
    waiting_for: str | None  # what a stopped clock waits for, in words
    extension: str | None  # what extending does for this type; None when the type has none
    explanation: list[str]
    can_extend: bool
    can_stop: bool
    can_restart: bool


def clock_view(session: Session, case: Case, actions: frozenset[Action]) -> ClockView:
    # The clock's state and its deadline both come from the case's events: read them once
    # (clock_state and deadline_of each read them: the present stage's, in the same order).
    events = events_of(session, case)
    state = replay((event.kind, event.on) for event in events)
    waiting = state.waiting_for
    try:
        explanation = list(case_deadline(session, case, events).explanation)
    except ClockError:
        explanation = []
    is_open = case.status.kind != StatusKind.CLOSED
    return ClockView(
        state=state,
        waiting_for=REASONS[waiting][0].lower() if waiting else None,
        extension=extension_summary(session, case),
        explanation=explanation,
        can_extend=is_open and Action.EXTEND_DEADLINE in actions and waiting is None and not state.extended,
        can_stop=is_open and Action.MANAGE_CLOCK in actions and waiting is None,
        can_restart=is_open and Action.MANAGE_CLOCK in actions and waiting is not None,
    )


def extension_summary(session: Session, case: Case) -> str | None:
    """What the type's statutory extension does, in words, from the rule itself (so it cannot disagree)."""
    rule = case_rule(session, case)
    return rule.extension_in_words(case.case_type.extension_days if case.stage_started_on is None else None)


def stop_reasons(session: Session, case: Case) -> list[PauseReason]:
    """The reasons this type's rule recognises (a SAR can wait for identity evidence; an EIR only for clarification)."""
    accepts = case_rule(session, case).accepts
    return [reason for reason in REASONS if PAUSES[reason][0] in accepts]


def _case(ctx: RequestContext) -> Case:
    """The case, if the person may see it: the same 403 whether it is hidden or missing."""
    return workflow.get_case(ctx.db, current_user(ctx), ctx.request.path_params["reference"])


def _require(ctx: RequestContext, case: Case, action: Action) -> None:
    """Offered only to those the case type's clock permissions allow; checked again on every POST."""
    if action not in allowed_actions(ctx.db, current_user(ctx), case):
        raise PermissionDenied("You do not have permission to do that to this case")


def _today_values(prefix: str) -> dict[str, str]:
    today = today_in_london()
    return {f"{prefix}-day": str(today.day), f"{prefix}-month": str(today.month), f"{prefix}-year": str(today.year)}


Act = Callable[[RequestContext, Case, Mapping[str, Any]], str]
Show = Callable[[RequestContext, Case, dict[str, Any], dict[str, str] | None, int], Response]


def _handle(ctx: RequestContext, action: Action, act: Act, show: Show, *, conflict_field: str,
            fields: Mapping[str, str]) -> Response:
    """GET shows the form; POST acts once per form key, then 303 to the case page with a success banner."""
    case = _case(ctx)
    if case.status.kind == StatusKind.CLOSED:
        return ctx.redirect("case", reference=case.reference)  # a closed case's clock has stopped for good
    _require(ctx, case, action)
    if ctx.is_read:
        return show(ctx, case, _today_values("on"), None, 200)
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    values = form_values(ctx)
    try:
        with ctx.attempt():
            message = act(ctx, case, values)
    except InvalidInput as exc:
        errors = {fields.get(k, k): v for k, v in exc.errors.items()} or {conflict_field: exc.detail}
        return _again(ctx, action, show, values, errors, 422)
    except Conflict as exc:
        return _again(ctx, action, show, values, {conflict_field: exc.detail}, 409)
    flash(ctx, message)
    return ctx.redirect("case", reference=case.reference)


def _again(ctx: RequestContext, action: Action, show: Show, values: dict[str, Any], errors: dict[str, str],
           status_code: int) -> Response:
    """The form again: nothing of the attempt is kept but what was typed."""
    case = _case(ctx)
    _require(ctx, case, action)
    return show(ctx, case, values, errors, status_code)


def _date(values: Mapping[str, Any], label: str, missing: str) -> dt.date:
    on = case_date(values, "on", label, required=True, missing=missing)
    if on.error or on.value is None:
        raise InvalidInput(on.error or missing, {on.anchor("on"): on.error or missing})
    return on.value


def _new_due(deadline: Deadline) -> str:
    return "the clock is stopped" if deadline.due_on is None else f"the case is now due on {deadline.due_on:%-d %B %Y}"


# --- extend -----------------------------------------------------------------------------------------


def extend(ctx: RequestContext) -> Response:
    def act(ctx: RequestContext, case: Case, values: Mapping[str, Any]) -> str:
        deadline = actions.extend(ctx.db, actor_of(ctx), case, str(values.get("reason", "")))
        return f"Deadline extended: {_new_due(deadline)}"

    return _handle(ctx, Action.EXTEND_DEADLINE, act, _extend_form, conflict_field="reason", fields={})


def _extend_form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None,
                 status_code: int) -> Response:
    context = {
        "case": case,
        "values": values,
        "extension": extension_summary(ctx.db, case),
        "preview": _preview(ctx.db, case),
        **(error_summary(errors, ("reason",)) if errors else {}),
    }
    return ctx.render(EXTEND, context, status_code=status_code)


def _preview(session: Session, case: Case) -> dt.date | None:
    """The due date an extension today would give, computed by the engine without storing anything."""
    event = ClockEvent(EventKind.EXTENDED, today_in_london(), reason="preview")
    try:
        return case_deadline(session, case, (*events_of(session, case), event)).due_on
    except ClockError:
        return None


# --- stop -------------------------------------------------------------------------------------------


def stop(ctx: RequestContext) -> Response:
    def act(ctx: RequestContext, case: Case, values: Mapping[str, Any]) -> str:
        reason = str(values.get("reason", ""))
        offered = stop_reasons(ctx.db, case)
        errors: dict[str, str] = {}
        if reason not in offered:
            errors["reason"] = "Select why the clock is stopping"
        try:
            on = _date(values, "Date", "Enter the date you asked the requester")
        except InvalidInput as exc:
            errors.update(exc.errors)
        if errors:
            raise InvalidInput("The clock was not stopped", errors)
        deadline = actions.pause(ctx.db, actor_of(ctx), case, reason, note=str(values.get("note", "")), on=on)
        return f"Clock stopped: {REASONS[PauseReason(reason)][0].lower()} ({_new_due(deadline)})"

    return _handle(ctx, Action.MANAGE_CLOCK, act, _stop_form, conflict_field="on-day", fields={"on": "on-day"})


def _stop_form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None,
               status_code: int) -> Response:
    if waiting_for(ctx.db, case) is not None and errors is None:
        return ctx.redirect("case", reference=case.reference)  # already stopped: nothing to ask
    context = {
        "case": case,
        "values": values,
        "reasons": [(reason.value, *REASONS[reason]) for reason in stop_reasons(ctx.db, case)],
        **(_date_errors(errors, ("reason",)) if errors else {}),
    }
    return ctx.render(STOP, context, status_code=status_code)


def _date_errors(errors: dict[str, str], before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> dict[str, Any]:
    """The error summary with a date error linked to its first wrong box, and shown once on the date input."""
    part = next((k for k in errors if k.startswith("on-")), None)
    shown = {k: v for k, v in errors.items() if not k.startswith("on-")}
    if part:
        shown["on"] = errors[part]
    context = error_summary(shown, (*before, "on", *after), {"on": part} if part else None)
    context["date_part"] = part.removeprefix("on-") if part else None
    return context


# --- restart ----------------------------------------------------------------------------------------


def restart(ctx: RequestContext) -> Response:
    def act(ctx: RequestContext, case: Case, values: Mapping[str, Any]) -> str:
        on = _date(values, "Date", "Enter the date")
        deadline = actions.resume(ctx.db, actor_of(ctx), case, on=on)
        return f"Clock restarted: {_new_due(deadline)}"

    return _handle(ctx, Action.MANAGE_CLOCK, act, _restart_form, conflict_field="on-day", fields={"on": "on-day"})


def _restart_form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None,
                  status_code: int) -> Response:
    waiting = waiting_for(ctx.db, case)
    if waiting is None and errors is None:
        return ctx.redirect("case", reference=case.reference)  # running: nothing to restart
    context = {
        "case": case,
        "values": values,
        "question": RESTART_QUESTIONS[waiting] if waiting else "When did the clock restart?",
        "waiting_for": REASONS[waiting][0].lower() if waiting else None,
        **(_date_errors(errors) if errors else {}),
    }
    return ctx.render(RESTART, context, status_code=status_code)
