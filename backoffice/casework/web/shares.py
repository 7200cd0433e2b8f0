"""What a caseworker does to a share after sending it: resend the link, extend, revoke, unlock.

Resend, extend and revoke each have a page of their own (a confirmation, a reason), because each
reaches the requester; unlock is a button on the case page. Each calls ``releases.management``,
which checks the permission (a closed case can still be revoked) and that the share is still live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.models import Case
from backoffice.casework.web import case_page
from backoffice.casework.web.common import actor_of, flash, form_values, int_or_none
from backoffice.releases import management
from backoffice.releases.models import Share
from backoffice.releases.state import MAX_DAYS, MIN_DAYS, london_when, status_of
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

TEMPLATE = "backoffice/cases/share_action.html"
#: What each page asks, its button, and its fields in page order.
PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "resend": ("Send a new link to the requester?", "Send a new link", ()),
    "extend": ("Give the requester longer to download the documents", "Extend", ("days", "reason")),
    "revoke": ("Withdraw access to the documents?", "Withdraw access now", ("reason",)),
}

#: Does the action; returns the success message.
Perform = Callable[[RequestContext, StaffUser, Case, Share], str]


def _share(ctx: RequestContext) -> tuple[StaffUser, Case, Share]:
    """The share of a case the person may manage: 403 for a case they cannot see or act on, 404 for no such share."""
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if Action.MANAGE_SHARES not in allowed_actions(ctx.db, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
    share = management.get_share(ctx.db, user, case, ctx.request.path_params["share_id"])
    return user, case, share


def _page(ctx: RequestContext, kind: str, case: Case, share: Share, values: dict[str, Any],
          errors: dict[str, str] | None = None, status: int | None = None) -> Response:
    heading, button, order = PAGES[kind]
    files = management.files_of(ctx.db, share)
    context = {"case": case, "share": share, "kind": kind, "heading": heading, "button": button, "values": values,
               "files": files, "expires": london_when(share.expires_at), "status": status_of(share),
               "min_days": MIN_DAYS, "max_days": MAX_DAYS}
    return render_form(ctx, TEMPLATE, context, errors, order, status=status)


def _run(ctx: RequestContext, kind: str, perform: Perform) -> Response:
    user, case, share = _share(ctx)
    if ctx.is_read:
        if status_of(share).ended:
            return ctx.redirect("case", reference=case.reference)
        return _page(ctx, kind, case, share, {})
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    try:
        with ctx.attempt():
            message = perform(ctx, user, case, share)
    except InvalidInput as exc:
        errors = dict(exc.errors) or {PAGES[kind][2][0] if PAGES[kind][2] else "share": exc.detail}
        return _page(ctx, kind, case, share, form_values(ctx), errors)
    except Conflict as exc:
        return _page(ctx, kind, case, share, form_values(ctx), {"share": exc.detail}, status=409)
    flash(ctx, message)
    return ctx.redirect("case", reference=case.reference)


def resend(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case, share: Share) -> str:
        management.resend(ctx.db, ctx.settings, actor_of(ctx), user, case, share)
        return f"A new link was sent to {share.recipient}. The old link no longer works"

    return _run(ctx, "resend", perform)


def extend(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case, share: Share) -> str:
        days = int_or_none(ctx.field("days"))
        if days is None:
            message = ("Enter how many more days the documents stay available" if not ctx.field("days").strip()
                       else "Number of days must be a whole number, like 14")
            raise InvalidInput(message, {"days": message})
        management.extend(ctx.db, ctx.settings, actor_of(ctx), user, case, share, days, ctx.field("reason"))
        return f"The documents are now available until {london_when(share.expires_at)}. {share.recipient} has been emailed"

    return _run(ctx, "extend", perform)


def revoke(ctx: RequestContext) -> Response:
    def perform(ctx: RequestContext, user: StaffUser, case: Case, share: Share) -> str:
        management.revoke(ctx.db, actor_of(ctx), user, case, share, ctx.field("reason"))
        return f"Access withdrawn: {share.recipient} can no longer download the documents"

    return _run(ctx, "revoke", perform)


def unlock(ctx: RequestContext) -> Response:
    """The case page's button; a refusal (not locked, no longer live) is shown on the case page."""
    user, case, share = _share(ctx)
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    try:
        with ctx.attempt():
            management.unlock(ctx.db, actor_of(ctx), user, case, share)
    except Conflict as exc:
        return case_page.show_with_errors(ctx, {"shares": exc.detail}, {}, status_code=409)
    flash(ctx, f"Unlocked: {share.recipient} can confirm their email address again")
    return ctx.redirect("case", reference=case.reference)
