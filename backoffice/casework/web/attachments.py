"""Attaching documents to a case and downloading them once ClamAV has passed them.

An upload is checked by its bytes and size (``shared.files``, DOCUMENTS rules),
stored quarantined and queued for a virus scan; the case page lists it with its
scan status. A download is served only for a clean file, and as an attachment
that no browser renders inline; anything else (still being checked, infected,
another case's file, a case the person cannot see) is refused without saying why.
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse

from backoffice.cases import workflow
from backoffice.cases.models import Case
from backoffice.casework.web import case_page
from backoffice.casework.web.common import actor_of, flash, form_values
from backoffice.staff.access import current_user
from shared import audit
from shared.errors import InvalidInput
from shared.files import StoredFile, download_headers
from shared.web import RequestContext
from shared.web.forms import repeated

#: The domain's field names -> the case page's ids.
FIELDS = {"file": "attachment-file", "description": "attachment-description"}
CHUNK = 64 * 1024


def upload(ctx: RequestContext) -> Response:
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    reference = case.reference
    if repeated(ctx):
        return ctx.redirect("case", reference=reference)
    chosen = ctx.form.get("file") if ctx.form is not None else None
    values = {k: v for k, v in form_values(ctx).items() if k != "file"}
    try:
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            raise InvalidInput("Select a file", {"file": "Select a file"})
        with ctx.attempt():
            attachment = workflow.add_attachment(ctx.db, actor_of(ctx), user, case, ctx.settings, chosen.filename,
                                                 chosen.file, ctx.field("description"))
    except InvalidInput as exc:
        errors = {FIELDS.get(k, k): v for k, v in exc.errors.items()} or {FIELDS["file"]: exc.detail}
        return case_page.show_with_errors(ctx, errors, values, status_code=exc.status)  # 503: DATA_DIR full
    name = _name(ctx, attachment.file_id)
    flash(ctx, f"{name} attached. It can be downloaded once it has been checked for viruses")
    return ctx.redirect("case", reference=reference)


def _name(ctx: RequestContext, file_id: str) -> str:
    stored = ctx.db.get(StoredFile, file_id)
    return stored.original_name if stored is not None else "The file"


def download(ctx: RequestContext) -> Response:
    """A clean file as an attachment; 404 for anything else on a case the person can see (403 if they cannot).

    Each download is in the audit log: the file is personal data as much as the case page is.
    """
    user = current_user(ctx)
    case: Case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    attachment_id: int = ctx.request.path_params["attachment_id"]  # {attachment_id:id}: bounded, converted
    stored, stream = workflow.open_attachment(ctx.db, ctx.settings, case, attachment_id)
    audit.record(ctx.db, actor_of(ctx), "case.attachment_downloaded", "case", case.reference,
                 f"File downloaded: {stored.original_name}", {"attachment_id": attachment_id, "file_id": stored.id})

    def chunks() -> Iterator[bytes]:
        try:
            while chunk := stream.read(CHUNK):
                yield chunk
        finally:
            stream.close()

    return StreamingResponse(chunks(), headers=download_headers(stored))
