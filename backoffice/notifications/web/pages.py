"""Per case type: which notifications go, and their wording (edited, previewed, saved or reset).

Thin handlers: parse the form, call ``wording``/``options``, render.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from backoffice.cases.models import CaseType
from backoffice.notifications import options, wording
from backoffice.notifications.catalogue import DEFAULTS, PLACEHOLDERS, Notice
from backoffice.notifications.web.common import saved_redirect
from shared.errors import InvalidInput, NotFound
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

WORDING_ORDER = ("subject", "body")


def _case_type(ctx: RequestContext) -> CaseType:
    return wording.get_case_type_by_id(ctx.db, ctx.request.path_params["case_type_id"])  # {case_type_id:id}


def _saved(ctx: RequestContext) -> bool:
    return ctx.request.query_params.get("saved") == "yes"


def index(ctx: RequestContext) -> Response:
    """The case types to configure, and the global switch for group emails."""
    if not ctx.is_read and not repeated(ctx):
        choice = ctx.field("group_emails")
        if choice not in ("on", "off"):
            return _index(ctx, {"group_emails": "Select whether teams get emails about new and reassigned cases"})
        assert ctx.actor is not None
        options.set_group_emails(ctx.db, ctx.actor, choice == "on")
        return saved_redirect(ctx, "admin-notifications")
    if not ctx.is_read:
        return ctx.redirect("admin-notifications")
    return _index(ctx)


def _index(ctx: RequestContext, errors: dict[str, str] | None = None) -> Response:
    case_types = list(ctx.db.scalars(select(CaseType).order_by(CaseType.position, CaseType.name)))
    return render_form(ctx, "backoffice/notifications/index.html",
                  {"case_types": case_types, "group_emails": options.group_emails_on(ctx.db), "saved": _saved(ctx)},
                  errors, ("group_emails",))


def switches(ctx: RequestContext) -> Response:
    case_type = _case_type(ctx)
    if not ctx.is_read:
        if not repeated(ctx):
            assert ctx.actor is not None and ctx.form is not None
            chosen = [v for v in ctx.form.getlist("notices") if isinstance(v, str)]
            wording.set_switches(ctx.db, ctx.actor, case_type.id, chosen)
        return saved_redirect(ctx, "admin-notifications-type", case_type_id=case_type.id)
    return render_form(ctx, "backoffice/notifications/case_type.html",
                  {"case_type": case_type, "rows": wording.notice_rows(ctx.db, case_type.id), "saved": _saved(ctx)})


def wording_page(ctx: RequestContext) -> Response:
    """GET shows the wording in use; POST previews (stores nothing), saves, or resets to the default."""
    case_type = _case_type(ctx)
    try:
        notice = Notice(ctx.request.path_params["notice"])
    except ValueError as exc:
        raise NotFound("No such notification") from exc
    if ctx.is_read:
        current = wording.current_wording(ctx.db, case_type.id, notice)
        return _editor(ctx, case_type, notice, current.subject, current.body)
    subject, body, action = ctx.field("subject"), ctx.field("body"), ctx.field("action")
    assert ctx.actor is not None
    if action == "reset":
        if not repeated(ctx):
            wording.reset_wording(ctx.db, ctx.actor, case_type.id, notice)
        return saved_redirect(ctx, "admin-notification-wording", case_type_id=case_type.id, notice=notice.value)
    errors = wording.check_wording(subject, body)
    if errors or action != "save":
        shown = None if errors else wording.preview(ctx.settings, case_type, notice, subject, body)
        return _editor(ctx, case_type, notice, subject, body, errors=errors, preview=shown)
    if not repeated(ctx):
        try:
            wording.save_wording(ctx.db, ctx.actor, case_type.id, notice, subject, body)
        except InvalidInput as exc:
            return _editor(ctx, case_type, notice, subject, body, errors=exc.errors)
    return saved_redirect(ctx, "admin-notification-wording", case_type_id=case_type.id, notice=notice.value)


def _editor(ctx: RequestContext, case_type: CaseType, notice: Notice, subject: str, body: str, *,
            errors: dict[str, str] | None = None, preview: tuple[str, str] | None = None) -> Response:
    default = DEFAULTS[notice]
    rows = {r.notice: r for r in wording.notice_rows(ctx.db, case_type.id)}
    return render_form(ctx, "backoffice/notifications/wording.html", {
        "case_type": case_type, "notice": notice, "template": default, "subject": subject, "body": body,
        "placeholders": PLACEHOLDERS, "preview": preview, "row": rows[notice], "saved": _saved(ctx),
        "is_default": subject.strip() == default.subject and body.strip() == default.body.strip(),
    }, errors, WORDING_ORDER)
