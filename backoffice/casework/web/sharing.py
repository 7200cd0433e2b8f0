"""Sending documents securely: the caseworker picks clean attachments (or uploads response documents),
says how long they stay, previews the requester's email and sends it.

One page with two forms: the upload (multipart, the staff file limit) and the choice. The choice is
posted with ``action=preview`` (the email as the requester will read it, the choice kept in hidden
fields), ``action=change`` (back to the form as it was) or ``action=send``. Nothing is stored before
Send but the uploads; a file is offered only once ClamAV has passed it (``releases.sending`` checks
again, and refuses the whole share for one file that is not clean).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.models import Case
from backoffice.casework.web.common import actor_of, flash, form_values, int_or_none, plural, pop_flash
from backoffice.releases import sending
from backoffice.releases.state import MAX_DAYS, MAX_FILES, MIN_DAYS
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.files import ANY_SUPPORTED, CLEAN, scan_status_message, staff_upload_limit, upload_limit
from shared.files.words import size_in_words
from shared.settings import Settings
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

FORM = "backoffice/cases/send_documents.html"
PREVIEW = "backoffice/cases/send_documents_preview.html"
ORDER = ("files", "recipient", "attachment_ids", "days", "message")


def _case(ctx: RequestContext) -> tuple[StaffUser, Case]:
    """The case, for someone who may send its documents (the same 403 for a hidden or missing case)."""
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if Action.SEND_DOCUMENTS not in allowed_actions(ctx.db, user, case):
        raise PermissionDenied("You do not have permission to do that to this case")
    return user, case


def _rules(settings: Settings) -> dict[str, str]:
    limit = upload_limit(settings, ANY_SUPPORTED, staff_upload_limit(settings))
    return {"kinds": ANY_SUPPORTED.labels, "limit": size_in_words(limit),
            "accept": ",".join(ext for kind in ANY_SUPPORTED.kinds for ext in kind.extensions)}


def _form(ctx: RequestContext, case: Case, values: dict[str, Any], errors: dict[str, str] | None = None,
          status: int | None = None) -> Response:
    rows = workflow.attachments_of(ctx.db, case)
    ready = [(a, f) for a, f in rows if f.status == CLEAN]
    waiting = [(a, f, scan_status_message(f)) for a, f in rows if f.status != CLEAN]
    values.setdefault("days", str(case.case_type.share_days))
    values.setdefault("attachment_ids", [])
    context = {"case": case, "values": values, "ready": ready, "waiting": waiting, "upload": _rules(ctx.settings),
               "size_in_words": size_in_words, "min_days": MIN_DAYS, "max_days": MAX_DAYS, "max_files": MAX_FILES,
               "flash": pop_flash(ctx)}
    anchors = {"attachment_ids": "attachment_ids" if ready else "no-documents"}
    return render_form(ctx, FORM, context, errors, ORDER, anchors=anchors, status=status)


def _request(ctx: RequestContext) -> sending.ShareRequest:
    """The choice as the domain takes it; days that are not a number are refused here, in the form's words."""
    ids = [int_or_none(v) for v in (ctx.form.getlist("attachment_ids") if ctx.form is not None else [])
           if isinstance(v, str)]
    if any(i is None for i in ids):
        raise InvalidInput("Select documents attached to this case",
                           {"attachment_ids": "Select documents attached to this case"})
    days = int_or_none(ctx.field("days"))
    if days is None:
        message = ("Enter how many days the documents stay available" if not ctx.field("days").strip()
                   else "Number of days must be a whole number, like 30")
        raise InvalidInput(message, {"days": message})
    return sending.ShareRequest(attachment_ids=[i for i in ids if i is not None], days=days,
                                message=ctx.field("message"), is_response=ctx.field("is_response") == "yes")


def _values(ctx: RequestContext) -> dict[str, Any]:
    values = form_values(ctx, lists=("attachment_ids",))
    values.pop("action", None)
    return values


def send_documents(ctx: RequestContext) -> Response:
    user, case = _case(ctx)
    if ctx.is_read:
        return _form(ctx, case, {})
    action = ctx.field("action")
    if action == "change":
        return _form(ctx, case, _values(ctx))
    if action == "send":
        return _send(ctx, user, case)
    return _preview(ctx, user, case)


def _refused(ctx: RequestContext, case: Case, exc: InvalidInput | Conflict) -> Response:
    errors = dict(exc.errors) or {"recipient": exc.detail}
    return _form(ctx, case, _values(ctx), errors, 409 if isinstance(exc, Conflict) else 422)


def _preview(ctx: RequestContext, user: StaffUser, case: Case) -> Response:
    try:
        request = _request(ctx)
        subject, body = sending.preview(ctx.db, ctx.settings, user, case, request)
    except (InvalidInput, Conflict) as exc:
        return _refused(ctx, case, exc)
    chosen = {a.id: f for a, f in workflow.attachments_of(ctx.db, case)}
    files = [chosen[i] for i in dict.fromkeys(request.attachment_ids)]
    context = {"case": case, "values": _values(ctx), "subject": subject, "body": body, "files": files,
               "choice": request, "size_in_words": size_in_words}
    return render_form(ctx, PREVIEW, context)


def _send(ctx: RequestContext, user: StaffUser, case: Case) -> Response:
    if repeated(ctx):
        return ctx.redirect("case", reference=case.reference)
    try:
        request = _request(ctx)
        with ctx.attempt():
            sent = sending.send_documents(ctx.db, ctx.settings, actor_of(ctx), user, case, request)
    except (InvalidInput, Conflict) as exc:
        return _refused(ctx, case, exc)
    count = len(dict.fromkeys(request.attachment_ids))
    flash(ctx, f"{plural(count, 'document')} sent securely to {sent.share.recipient}")
    return ctx.redirect("case", reference=case.reference)


def upload(ctx: RequestContext) -> Response:
    """Response documents, each a case attachment (quarantined until ClamAV passes it); all or none are kept."""
    user, case = _case(ctx)
    if repeated(ctx):
        return ctx.redirect("case-send-documents", reference=case.reference)
    chosen = [f for f in (ctx.form.getlist("files") if ctx.form is not None else [])
              if isinstance(f, UploadFile) and f.filename]
    try:
        if not chosen:
            raise InvalidInput("Select the documents to upload", {"files": "Select the documents to upload"})
        with ctx.attempt():
            for upload_file in chosen:
                try:
                    workflow.add_attachment(ctx.db, actor_of(ctx), user, case, ctx.settings,
                                            upload_file.filename or "", upload_file.file, allowed=ANY_SUPPORTED,
                                            max_bytes=staff_upload_limit(ctx.settings))
                except InvalidInput as exc:
                    detail = next(iter(exc.errors.values()), exc.detail)
                    message = f"{upload_file.filename}: {detail}" if len(chosen) > 1 else detail
                    raise InvalidInput(message, {"files": message}) from exc
    except InvalidInput as exc:
        return _form(ctx, case, {}, {"files": exc.errors.get("files", exc.detail)})
    flash(ctx, f"{plural(len(chosen), 'document')} uploaded. "
               f"{'They' if len(chosen) > 1 else 'It'} can be sent once checked for viruses")
    return ctx.redirect("case-send-documents", reference=case.reference)
