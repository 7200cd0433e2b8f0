"""Reviews and appeals on the case page, and the two pages that record one: "Start an internal review" and
"Record a complaint to the regulator".

Each is a page of its own, a date and an optional note, because it opens a new case with its own clock
(``backoffice.cases.reviews``). The section and the pages are offered on a closed FOI or EIR request to
those who may start a review; the POST checks again, and the domain refuses what does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from backoffice.cases import reviews, workflow
from backoffice.cases.access import can_see
from backoffice.cases.models import Case, StatusKind
from backoffice.cases.reviews import ReviewKind
from backoffice.casework.web.common import actor_of, case_date, flash, form_values
from backoffice.intake.new_cases import today_in_london
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated

TEMPLATE = "backoffice/cases/review_start.html"
ROUTE = {ReviewKind.INTERNAL_REVIEW: "case-internal-review",
         ReviewKind.REGULATOR_COMPLAINT: "case-regulator-complaint"}
HEADINGS = {ReviewKind.INTERNAL_REVIEW: "Start an internal review",
            ReviewKind.REGULATOR_COMPLAINT: "Record a complaint to the regulator"}
QUESTIONS = {ReviewKind.INTERNAL_REVIEW: "When did the requester ask for the internal review?",
             ReviewKind.REGULATOR_COMPLAINT: "When did the regulator tell us of the complaint?"}
MISSING = {ReviewKind.INTERNAL_REVIEW: "Enter the date the request for a review was received",
           ReviewKind.REGULATOR_COMPLAINT: "Enter the date the complaint was received"}
ORDER = ("received_on", "description", "review")
DESCRIPTION_LIMIT = 20_000


@dataclass(frozen=True)
class ReviewRow:
    """One review or complaint as the request's page lists it."""

    reference: str
    kind: str
    status: str
    outcome: str | None
    visible: bool


def reviews_view(session: Session, user: StaffUser, case: Case) -> dict[str, Any]:
    """The case page's "Reviews and appeals": the request's reviews, what may be started, and, on a review,
    the request it is about (linked only for those who can see it)."""
    rows = [_row(session, user, review) for review in reviews.reviews_of(session, case)]
    original = reviews.review_of(session, case)
    reviewable = reviews.may_be_reviewed(session, case)
    return {
        "reviews": rows,
        "reviewable": reviewable,
        "may_start_review": reviewable and reviews.may_start(session, user, case),
        "review_of": original,
        "review_of_visible": original is not None and can_see(session, user, original),
        "review_kind": reviews.kind_of(case),
    }


def _row(session: Session, user: StaffUser, review: Case) -> ReviewRow:
    kind = reviews.kind_of(review)
    outcomes = {o["key"]: o["label"] for o in review.case_type.closure_outcomes}
    outcome = outcomes.get(review.outcome or "", review.outcome) if review.status.kind == StatusKind.CLOSED else None
    return ReviewRow(review.reference, kind.label if kind else review.case_type.name, review.status.label,
                     outcome, can_see(session, user, review))


def start_internal_review(ctx: RequestContext) -> Response:
    return _handle(ctx, ReviewKind.INTERNAL_REVIEW)


def record_regulator_complaint(ctx: RequestContext) -> Response:
    return _handle(ctx, ReviewKind.REGULATOR_COMPLAINT)


def _case(ctx: RequestContext) -> tuple[StaffUser, Case]:
    """The request, if the person may see it (the same 403 whether hidden or missing) and start a review of it."""
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if not reviews.may_start(ctx.db, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
    return user, case


def _handle(ctx: RequestContext, kind: ReviewKind) -> Response:
    user, case = _case(ctx)
    if not reviews.may_be_reviewed(ctx.db, case):
        return ctx.redirect("case", reference=case.reference)  # still open, or not an FOI or EIR request
    if ctx.is_read:
        today = today_in_london()
        values = {"received_on-day": str(today.day), "received_on-month": str(today.month),
                  "received_on-year": str(today.year)}
        return _form(ctx, kind, case, values)
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    values = form_values(ctx)
    received = case_date(values, "received_on", "Date received", required=True, missing=MISSING[kind])
    description = str(values.get("description", ""))
    errors: dict[str, str] = {}
    if received.error:
        errors["received_on"] = received.error
    if len(description) > DESCRIPTION_LIMIT:
        errors["description"] = "What the requester is unhappy about must be 20,000 characters or fewer"
    anchors = {"received_on": received.anchor("received_on")}
    if errors:
        return _again(ctx, kind, values, errors, anchors, 422)
    try:
        with ctx.attempt():
            review = reviews.start_review(ctx.db, actor_of(ctx), user, case, kind.value,
                                          received_on=received.value, description=description)
            reference = review.reference
            visible = can_see(ctx.db, user, review)
    except InvalidInput as exc:
        fields = {k if k in ("received_on", "description") else "review": v for k, v in exc.errors.items()}
        return _again(ctx, kind, values, fields or {"review": exc.detail}, {"received_on": "received_on-day"}, 422)
    except Conflict as exc:
        return _again(ctx, kind, values, {"review": exc.detail}, {}, 409)
    flash(ctx, f"{kind.label} {reference} started")
    return ctx.redirect("case", reference=reference if visible else case.reference)


def _again(ctx: RequestContext, kind: ReviewKind, values: dict[str, Any], errors: dict[str, str],
           anchors: dict[str, str], status_code: int) -> Response:
    """The form again: nothing of the attempt is kept but what was typed."""
    _, case = _case(ctx)
    return _form(ctx, kind, case, values, errors, anchors, status_code)


def _form(ctx: RequestContext, kind: ReviewKind, case: Case, values: dict[str, Any],
          errors: dict[str, str] | None = None, anchors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    earliest = reviews.earliest_received(case)
    context = {
        "case": case,
        "values": values,
        "kind": kind.value,
        "action": ROUTE[kind],
        "heading": HEADINGS[kind],
        "question": QUESTIONS[kind],
        "hint": f"For example, {today_in_london():%-d %-m %Y}. It cannot be before {earliest:%-d %B %Y}, "
                f"when {case.reference} was {'answered' if case.responded_on else 'received'}, "
                "or in the future.",
        "date_part": (anchors or {}).get("received_on", "received_on-day").removeprefix("received_on-"),
        **(error_summary(errors, ORDER, anchors) if errors else {}),
    }
    return ctx.render(TEMPLATE, context, status_code=status_code)
