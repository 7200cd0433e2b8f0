"""Secure Share in the API, the handlers ``web.py`` routes: a case's attachments (upload, list) and its
shares (send, read, resend, extend, revoke, unlock), through the same domain as the case page
(``backoffice.releases``).

An API client is a trusted system, as for the clock actions: staff roles do not apply. The domain asks
a member of staff for permission, so the client acts as an administrator would, through
:func:`as_trusted_system`, and the case's state still decides (no new share from a closed case, which
can still be revoked). The link's token is never returned: it goes only in the requester's email.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.datastructures import UploadFile
from starlette.responses import Response

from backoffice.api.access import current_client
from backoffice.api.errors import UnsupportedMediaType
from backoffice.api.requests import actor_of, find_case, json_body
from backoffice.cases import workflow
from backoffice.cases.access import Action, allowed_actions
from backoffice.cases.models import Case, CaseAttachment
from backoffice.releases import management, sending
from backoffice.releases.management import ShareSummary
from backoffice.releases.models import Share
from backoffice.staff.accounts import Role, StaffUser
from shared.errors import Conflict, InvalidInput, NotFound
from shared.files import ANY_SUPPORTED, CLEAN, INFECTED, StoredFile, scan_status_message, staff_upload_limit
from shared.numbers import parse_int
from shared.web import RequestContext
from shared.web.convertors import MAX_ID

MULTIPART = "multipart/form-data"


class MultipartRequired(UnsupportedMediaType):
    headers: ClassVar[dict[str, str]] = {"Accept-Post": MULTIPART}


def as_trusted_system(ctx: RequestContext) -> StaffUser:
    """The API client as the domain's caller: an administrator's permissions, the client's name in the history.

    Never added to the database session (it has no id): it exists only to be asked what it may do.
    """
    client = current_client(ctx)
    return StaffUser(id=None, email=f"api-client-{client.id}@api.invalid", name=client.name,  # type: ignore[arg-type]
                     role=Role.ADMINISTRATOR.value, active=True)


def _allowed(ctx: RequestContext, user: StaffUser, case: Case, action: Action, doing: str) -> None:
    """What the case's state rules out is a conflict (409), not a permission the client lacks (its scope is 403)."""
    if action not in allowed_actions(ctx.db, user, case):
        raise Conflict(f"The case {case.reference} is {case.status.label.lower()}: {doing}")


# --- attachments -----------------------------------------------------------------------------------


def _scan(stored: StoredFile) -> str:
    return "clean" if stored.status == CLEAN else "infected" if stored.status == INFECTED else "pending"


def attachment_json(attachment: CaseAttachment, stored: StoredFile) -> dict[str, Any]:
    """The Attachment schema."""
    return {"id": attachment.id, "name": stored.original_name, "size": stored.size,
            "content_type": stored.content_type, "description": attachment.description or "",
            "scan": _scan(stored), "scan_message": scan_status_message(stored),
            "added_at": attachment.created_at.isoformat()}


def list_attachments(ctx: RequestContext) -> Response:
    case = find_case(ctx)
    return ctx.json({"attachments": [attachment_json(a, f) for a, f in workflow.attachments_of(ctx.db, case)]})


def add_attachment(ctx: RequestContext) -> Response:
    """One file, stored quarantined and queued for ClamAV: 201 with ``scan: pending``."""
    if ctx.form is None:
        raise MultipartRequired("Send the file as multipart/form-data, in a part named file")
    case = find_case(ctx)
    user = as_trusted_system(ctx)
    _allowed(ctx, user, case, Action.ADD_NOTE, "files cannot be added to it")
    chosen = ctx.form.get("file")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        raise InvalidInput("Send the file in a part named file, with a file name", {"file": "Select a file"})
    description = ctx.field("description")
    attachment = workflow.add_attachment(ctx.db, actor_of(ctx), user, case, ctx.settings, chosen.filename, chosen.file,
                                         description, allowed=ANY_SUPPORTED, max_bytes=staff_upload_limit(ctx.settings))
    stored = ctx.db.get(StoredFile, attachment.file_id)
    assert stored is not None  # stored in this transaction
    ctx.db.flush()
    ctx.db.refresh(attachment)
    return ctx.json(attachment_json(attachment, stored), status_code=201)


# --- shares ----------------------------------------------------------------------------------------


def share_json(share: ShareSummary) -> dict[str, Any]:
    """The Share schema: never the link or its token."""
    return {
        "id": share.id, "status": share.status.value, "locked": share.locked, "recipient": share.recipient,
        "is_response": share.is_response, "sent_by": share.sent_by, "sent_at": share.sent_at.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "files": [{"name": f.name, "size": f.size, "content_type": f.content_type, "downloaded": f.downloaded}
                  for f in share.files],
        "history": [{"at": e.at.isoformat(), "kind": e.kind, "what": e.what, "device": e.device, "by": e.by}
                    for e in share.history],
    }


def _share(ctx: RequestContext, user: StaffUser, case: Case) -> Share:
    share_id = parse_int(str(ctx.request.path_params["share_id"]), max_digits=10)
    if share_id is None or share_id > MAX_ID:
        raise NotFound("There is no such share on this case")
    return management.get_share(ctx.db, user, case, share_id)


def _share_response(ctx: RequestContext, share: Share, status_code: int = 200) -> Response:
    ctx.db.flush()
    return ctx.json(share_json(management.summary(ctx.db, share)), status_code=status_code)


def create_share(ctx: RequestContext) -> Response:
    values = json_body(ctx, "ShareCreate")
    case = find_case(ctx)
    user = as_trusted_system(ctx)
    _allowed(ctx, user, case, Action.SEND_DOCUMENTS, "documents cannot be sent from it")
    days = values.get("days")
    request = sending.ShareRequest(attachment_ids=list(values["attachment_ids"]),
                                   days=case.case_type.share_days if days is None else int(days),
                                   message=values.get("message") or "", is_response=bool(values.get("is_response")))
    sent = sending.send_documents(ctx.db, ctx.settings, actor_of(ctx), user, case, request)
    return _share_response(ctx, sent.share, 201)


def list_shares(ctx: RequestContext) -> Response:
    case = find_case(ctx)
    shares = management.shares_of(ctx.db, as_trusted_system(ctx), case)
    return ctx.json({"shares": [share_json(share) for share in shares]})


def show_share(ctx: RequestContext) -> Response:
    case = find_case(ctx)
    return _share_response(ctx, _share(ctx, as_trusted_system(ctx), case))


def _managing(ctx: RequestContext) -> tuple[StaffUser, Case, Share]:
    case = find_case(ctx)
    user = as_trusted_system(ctx)
    share = _share(ctx, user, case)
    _allowed(ctx, user, case, Action.MANAGE_SHARES, "its shares cannot be changed")
    return user, case, share


def resend(ctx: RequestContext) -> Response:
    user, case, share = _managing(ctx)
    management.resend(ctx.db, ctx.settings, actor_of(ctx), user, case, share)  # the new token goes only in the email
    return _share_response(ctx, share)


def extend(ctx: RequestContext) -> Response:
    values = json_body(ctx, "ShareExtend")
    user, case, share = _managing(ctx)
    management.extend(ctx.db, ctx.settings, actor_of(ctx), user, case, share, values["days"], values["reason"])
    return _share_response(ctx, share)


def revoke(ctx: RequestContext) -> Response:
    values = json_body(ctx, "ShareRevoke")
    user, case, share = _managing(ctx)
    management.revoke(ctx.db, actor_of(ctx), user, case, share, values["reason"])
    return _share_response(ctx, share)


def unlock(ctx: RequestContext) -> Response:
    user, case, share = _managing(ctx)
    management.unlock(ctx.db, actor_of(ctx), user, case, share)
    return _share_response(ctx, share)
