"""The retention pages: the review awaiting approval, the retention report, and a case's legal hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.models import Case, CaseType
from backoffice.casework.web.common import actor_of, flash, pop_flash
from backoffice.intake.new_cases import today_in_london
from backoffice.retention import reviews, schedule
from backoffice.retention.models import STATUS_NAMES
from backoffice.staff.access import current_user
from backoffice.staff.accounts import Role, StaffUser
from shared.errors import DomainError, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import repeated

MANAGING = (Role.MANAGER.value, Role.ADMINISTRATOR.value)


def retention_view(session: Session, user: StaffUser, case: Case) -> dict[str, Any]:
    """The case page's Retention section, for managers and administrators."""
    if user.role not in MANAGING:
        return {"retention": None}
    months = case.case_type.retention_months
    return {"retention": {"months": months, "hold": case.legal_hold, "destroyed_at": case.destroyed_at}}


def index(ctx: RequestContext) -> Response:
    review = reviews.open_review(ctx.db)
    periods = list(ctx.db.execute(select(CaseType.name, CaseType.retention_months).where(CaseType.active.is_(True))
                                  .order_by(CaseType.position, CaseType.name)))
    return ctx.render("backoffice/retention/index.html", {
        "review": review, "items": reviews.items_of(ctx.db, review) if review else [], "history": reviews.reviews(ctx.db),
        "periods": periods, "statuses": STATUS_NAMES, "flash": pop_flash(ctx),
        "due_now": len(schedule.due_cases(ctx.db, today_in_london(), limit=1001)) if review is None else 0})


def show(ctx: RequestContext) -> Response:
    review = reviews.get_review(ctx.db, ctx.request.path_params["review_id"])
    return ctx.render("backoffice/retention/review.html", {"review": review, "items": reviews.items_of(ctx.db, review),
                                                           "statuses": STATUS_NAMES})


def prepare(ctx: RequestContext) -> Response:
    if not repeated(ctx):
        review = reviews.prepare_review(ctx.db, actor_of(ctx), today_in_london())
        flash(ctx, "The cases due are listed for approval" if review else "No closed cases are due for destruction")
    return ctx.redirect("retention")


def approve(ctx: RequestContext) -> Response:
    if not repeated(ctx):
        review = reviews.get_review(ctx.db, ctx.request.path_params["review_id"])
        try:
            with ctx.attempt():
                reviews.approve(ctx.db, actor_of(ctx), current_user(ctx), review)
        except DomainError as exc:
            flash(ctx, exc.detail)
            return ctx.redirect("retention")
        flash(ctx, "Destruction approved: the cases' personal data and files are being destroyed")
    return ctx.redirect("retention")


def _managed_case(ctx: RequestContext) -> Case:
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if user.role not in MANAGING:
        raise PermissionDenied("Only a manager or an administrator places or lifts a legal hold")
    return case


def place_hold(ctx: RequestContext) -> Response:
    case = _managed_case(ctx)
    if not repeated(ctx):
        try:
            with ctx.attempt():
                schedule.place_hold(ctx.db, actor_of(ctx), case, ctx.field("legal_hold"))
        except DomainError as exc:
            flash(ctx, next(iter(exc.errors.values()), exc.detail))
            return ctx.redirect("case", reference=case.reference)
        flash(ctx, "Legal hold placed: the case will be kept whatever its retention period")
    return ctx.redirect("case", reference=case.reference)


def lift_hold(ctx: RequestContext) -> Response:
    case = _managed_case(ctx)
    if not repeated(ctx):
        try:
            with ctx.attempt():
                schedule.lift_hold(ctx.db, actor_of(ctx), case)
        except DomainError as exc:
            flash(ctx, exc.detail)
            return ctx.redirect("case", reference=case.reference)
        flash(ctx, "Legal hold lifted")
    return ctx.redirect("case", reference=case.reference)
