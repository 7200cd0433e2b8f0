"""New case: staff log a request that came by email, post or phone."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.cases.access import can_see
from backoffice.cases.case_types import case_types
from backoffice.cases.models import Channel, Priority
from backoffice.casework.web.common import actor_of, case_date, flash, form_values
from backoffice.intake.new_cases import NewCase, Requester, create_case, today_in_london, validate
from backoffice.staff.access import current_user
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

TEMPLATE = "backoffice/cases/new.html"
CHANNELS = ((Channel.EMAIL.value, "Email"), (Channel.POST.value, "Post"), (Channel.PHONE.value, "Phone"))
PRIORITIES = ((Priority.NORMAL.value, "Normal"), (Priority.HIGH.value, "High"), (Priority.URGENT.value, "Urgent"))
#: The domain's field names (as the API has them) -> this form's ids.
FIELDS = {"requester.name": "requester_name", "requester.email": "requester_email",
          "requester.phone": "requester_phone", "requester.address": "requester_address"}
ORDER = ("case_type", "received_on", "requester_name", "requester_email", "requester_phone", "requester_address",
         "subject", "description", "channel", "priority")
CREATED_KEY = "casework_created"


def new_case(ctx: RequestContext) -> Response:
    if ctx.is_read:
        return _form(ctx, {"priority": Priority.NORMAL.value})
    values = form_values(ctx)
    if repeated(ctx):
        return _after_repeat(ctx, str(values.get("idempotency_key", "")))
    errors: dict[str, str] = {}
    anchors = {"received_on": "received_on-day"}
    received = case_date(values, "received_on", "Date received", required=True,
                         missing="Enter the date the request was received")
    received_on = received.value
    if received.error:
        errors["received_on"] = received.error
        anchors["received_on"] = received.anchor("received_on")
    if not values.get("case_type"):
        errors["case_type"] = "Select the type of case"
    if values.get("channel") not in dict(CHANNELS):
        errors["channel"] = "Select how the request was received"
    if values.get("priority") not in dict(PRIORITIES):
        errors["priority"] = "Select the priority"
    new = NewCase(
        case_type=str(values.get("case_type", "")),
        subject=str(values.get("subject", "")),
        description=str(values.get("description", "")),
        requester=Requester(
            name=str(values.get("requester_name", "")),
            email=str(values.get("requester_email", "")).strip() or None,
            phone=str(values.get("requester_phone", "")).strip() or None,
            address=str(values.get("requester_address", "")).strip() or None,
        ),
        received_on=received_on,
        channel=str(values.get("channel", "")),
        priority=str(values.get("priority", "")),
    )
    for key, message in validate(new).items():
        errors.setdefault(FIELDS.get(key, key), message)
    if errors:
        return _form(ctx, values, errors, anchors)
    try:
        with ctx.attempt():
            case = create_case(ctx.db, actor_of(ctx), new, acknowledge=True)
    except InvalidInput as exc:
        return _form(ctx, values, {FIELDS.get(k, k): v for k, v in exc.errors.items()}, anchors)
    _remember(ctx, str(values.get("idempotency_key", "")), case.reference)
    flash(ctx, f"Case {case.reference} created")
    if can_see(ctx.db, current_user(ctx), case):
        return ctx.redirect("case", reference=case.reference)
    return ctx.redirect("all-cases")


def _form(ctx: RequestContext, values: dict[str, Any], errors: dict[str, str] | None = None,
          anchors: dict[str, str] | None = None) -> Response:
    context = {
        "values": values,
        "case_types": [(t.key, t.name) for t in case_types(ctx.db)],
        "channels": CHANNELS,
        "priorities": PRIORITIES,
        "today": today_in_london(),
        **(error_summary(errors, ORDER, anchors) if errors else {}),
    }
    return ctx.render(TEMPLATE, context, status_code=422 if errors else 200)


def _remember(ctx: RequestContext, key: str, reference: str) -> None:
    """Which case a form key made, so a repeated submission lands on that case instead of a second one."""
    created = ctx.request.session.get(CREATED_KEY)
    kept = dict(created) if isinstance(created, dict) else {}
    kept[key[:100]] = reference
    ctx.request.session[CREATED_KEY] = dict(list(kept.items())[-5:])


def _after_repeat(ctx: RequestContext, key: str) -> Response:
    created = ctx.request.session.get(CREATED_KEY)
    reference = created.get(key[:100]) if isinstance(created, dict) else None
    if isinstance(reference, str):
        return ctx.redirect("case", reference=reference)
    return ctx.redirect("my-cases")
