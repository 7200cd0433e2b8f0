"""Publishing a closed FOI or EIR case's response to the disclosure log, from the case.

One page per case (``/cases/{reference}/publication``) shows where the entry is: the form that prepares
it (public title, summary, category, the request as published, the case's clean attachments); then the
personal-data check's findings, each fixed by changing the text or acknowledged with a reason; then
Publish (or Send for approval under the two-person rule), Approve or Return for a second person,
Withdraw with a public reason, and Republish. Every step is ``backoffice.disclosures.publishing``'s; the
handlers parse, call and show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from backoffice.cases import workflow
from backoffice.cases.models import Case
from backoffice.casework.web.common import actor_of, flash, form_values, int_or_none, pop_flash
from backoffice.disclosures import categories, checking, documents, publishing
from backoffice.disclosures.models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN, Publication
from backoffice.disclosures.permission import may_publish
from backoffice.staff.access import current_user
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.files import CLEAN, staff_upload_limit
from shared.files.words import size_in_words
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

#: Does one step to the entry; returns the success message.
Perform = Callable[[StaffUser, Case, Publication], str]

TEMPLATE = "backoffice/cases/publication.html"
WITHDRAW_TEMPLATE = "backoffice/cases/publication_withdraw.html"
ORDER = ("title", "summary", "category", "request_text", "attachment_ids", "file", "publication")
STATUS_WORDS = {DRAFT: "Not published", AWAITING_APPROVAL: "Awaiting approval", PUBLISHED: "Published",
                WITHDRAWN: "Withdrawn"}


def _case(ctx: RequestContext) -> tuple[StaffUser, Case]:
    user = current_user(ctx)
    case = workflow.get_case(ctx.db, user, ctx.request.path_params["reference"])
    if not may_publish(ctx.db, user, case):
        raise PermissionDenied("You do not have permission to publish this case's response")
    return user, case


def _page(ctx: RequestContext, user: StaffUser, case: Case, values: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, status: int | None = None) -> Response:
    publication = publishing.publication_of(ctx.db, case)
    values = dict(values or {})
    if publication is None:
        values.setdefault("request_text", case.description or "")
    else:
        for name in ("title", "summary", "request_text"):
            values.setdefault(name, getattr(publication, name))
        values.setdefault("category", str(publication.category_id or ""))
    values.setdefault("attachment_ids", [])
    chosen = {d.attachment_id for d in publication.documents} if publication else set()
    attachments = [(a, f) for a, f in workflow.attachments_of(ctx.db, case) if f.status == CLEAN
                   and a.id not in chosen]
    findings = checking.views(ctx.db, publication) if publication is not None else []
    context = {
        "case": case, "publication": publication, "values": values, "attachments": attachments,
        "categories": categories.categories(ctx.db, active_only=True), "findings": findings,
        "passed_scan": documents.passed_scan(ctx.db, publication) if publication is not None else set(),
        "open_findings": [f for f in findings if f.open], "problem": publishing.publishable_problem(ctx.db, case),
        "status_words": STATUS_WORDS, "flash": pop_flash(ctx),
        "needs_approval": publication is not None and publishing.needs_approval(publication, case),
        "may_approve": publication is not None and publication.status == AWAITING_APPROVAL
        and publication.prepared_by_user_id != user.id,
        "public_url": publishing.response_url(ctx.settings, publication)
        if publication is not None and publication.status == PUBLISHED else "",
        "upload_limit": size_in_words(staff_upload_limit(ctx.settings)),
        "history": [e for e in audit.history(ctx.db, "case", case.reference)
                    if "publication" in e.action or e.action == "case.published"],
    }
    return render_form(ctx, TEMPLATE, context, errors, ORDER, status=status)


def _version(ctx: RequestContext) -> int | None:
    return int_or_none(ctx.field("version"))


def _publication(ctx: RequestContext, case: Case) -> Publication:
    publication = publishing.publication_of(ctx.db, case)
    if publication is None:
        raise Conflict("There is no disclosure log entry for this case yet")
    return publication


def _attachment_ids(ctx: RequestContext) -> list[int]:
    raw = ctx.form.getlist("attachment_ids") if ctx.form is not None else []
    ids = [int_or_none(v) for v in raw if isinstance(v, str)]
    return [i for i in ids if i is not None]


def _category(ctx: RequestContext) -> int | None:
    return int_or_none(ctx.field("category"))


def show(ctx: RequestContext) -> Response:
    """The page (GET), or its form that prepares or changes the entry and runs the check (POST)."""
    user, case = _case(ctx)
    if ctx.is_read:
        return _page(ctx, user, case)
    if repeated(ctx):
        return ctx.redirect("case-publication", reference=case.reference)
    values = form_values(ctx, lists=("attachment_ids",))
    try:
        with ctx.attempt():
            new = publishing.publication_of(ctx.db, case) is None
            publication = publishing.save_entry(
                ctx.db, ctx.settings, actor_of(ctx), user, case, title=ctx.field("title"),
                summary=ctx.field("summary"), request_text=ctx.field("request_text"), category_id=_category(ctx),
                attachment_ids=_attachment_ids(ctx), expected_version=_version(ctx))
    except InvalidInput as exc:
        return _page(ctx, user, case, values, dict(exc.errors) or {"publication": exc.detail})
    except Conflict as exc:
        return _page(ctx, user, case, values, {"publication": exc.detail}, status=409)
    flash(ctx, "Saved. Check the findings below, then publish" if new
          else "Changes published" if publication.status == PUBLISHED else "Changes saved")
    return ctx.redirect("case-publication", reference=case.reference)


def _act(ctx: RequestContext, perform: Perform) -> Response:
    user, case = _case(ctx)
    if repeated(ctx):
        return ctx.redirect("case-publication", reference=case.reference)
    try:
        with ctx.attempt():
            done = perform(user, case, _publication(ctx, case))
    except InvalidInput as exc:
        return _page(ctx, user, case, {}, dict(exc.errors) or {"publication": exc.detail})
    except Conflict as exc:
        return _page(ctx, user, case, {}, {"publication": exc.detail}, status=409)
    flash(ctx, done)
    return ctx.redirect("case-publication", reference=case.reference)


def publish(ctx: RequestContext) -> Response:
    def perform(user: StaffUser, case: Case, publication: Publication) -> str:
        if publication.status == WITHDRAWN:
            publishing.republish(ctx.db, ctx.settings, actor_of(ctx), user, publication, _version(ctx))
        else:
            publishing.publish(ctx.db, ctx.settings, actor_of(ctx), user, publication, _version(ctx))
        if publication.status == AWAITING_APPROVAL:
            return "Sent for approval: another member of staff with publishing permission must approve it"
        return "Published to the disclosure log"

    return _act(ctx, perform)


def acknowledge(ctx: RequestContext) -> Response:
    finding_id = int(ctx.request.path_params["finding_id"])

    def perform(user: StaffUser, case: Case, publication: Publication) -> str:
        try:
            checking.acknowledge(ctx.db, actor_of(ctx), user, finding_id, ctx.field("reason"))
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, {f"reason-{finding_id}": exc.detail}) from exc
        return "Finding acknowledged"

    return _act(ctx, perform)


def approve(ctx: RequestContext) -> Response:
    def perform(user: StaffUser, case: Case, publication: Publication) -> str:
        try:
            publishing.approve(ctx.db, ctx.settings, actor_of(ctx), user, publication, _version(ctx))
        except PermissionDenied as exc:
            raise Conflict(exc.detail) from exc
        return "Approved and published to the disclosure log"

    return _act(ctx, perform)


def return_for_changes(ctx: RequestContext) -> Response:
    def perform(user: StaffUser, case: Case, publication: Publication) -> str:
        try:
            publishing.return_for_changes(ctx.db, actor_of(ctx), user, publication, ctx.field("reason"), _version(ctx))
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, {"return_reason": exc.detail}) from exc
        return "Returned for changes"

    return _act(ctx, perform)


def upload(ctx: RequestContext) -> Response:
    """A redacted version for the entry: stored quarantined, read once ClamAV passes it (publishing waits)."""
    user, case = _case(ctx)
    if repeated(ctx):
        return ctx.redirect("case-publication", reference=case.reference)
    chosen = [f for f in (ctx.form.getlist("file") if ctx.form is not None else [])
              if isinstance(f, UploadFile) and f.filename]
    try:
        if not chosen:
            raise InvalidInput("Select a file", {"file": "Select a file"})
        with ctx.attempt():
            publication = _publication(ctx, case)
            for upload_file in chosen:
                documents.add_upload(ctx.db, ctx.settings, actor_of(ctx), user, publication,
                                     filename=upload_file.filename or "", stream=upload_file.file)
    except InvalidInput as exc:
        return _page(ctx, user, case, {}, {"file": exc.errors.get("file", exc.detail)},
                     status=exc.status)  # 503: DATA_DIR full
    except Conflict as exc:
        return _page(ctx, user, case, {}, {"file": exc.detail}, status=409)
    flash(ctx, "Uploaded. It is checked for viruses, then read and checked for personal data when you publish")
    return ctx.redirect("case-publication", reference=case.reference)


def withdraw(ctx: RequestContext) -> Response:
    """A page of its own: the reason is public, so it is asked for with a warning."""
    user, case = _case(ctx)
    publication = _publication(ctx, case)
    if ctx.is_read:
        return render_form(ctx, WITHDRAW_TEMPLATE, {"case": case, "publication": publication, "values": {}})
    if repeated(ctx):
        return ctx.redirect("case-publication", reference=case.reference)
    try:
        with ctx.attempt():
            publishing.withdraw(ctx.db, actor_of(ctx), user, publication, ctx.field("reason"), _version(ctx))
    except InvalidInput as exc:
        return render_form(ctx, WITHDRAW_TEMPLATE, {"case": case, "publication": publication,
                                                    "values": form_values(ctx)}, {"reason": exc.detail}, ("reason",))
    except Conflict as exc:
        return render_form(ctx, WITHDRAW_TEMPLATE, {"case": case, "publication": publication,
                                                    "values": form_values(ctx)}, {"reason": exc.detail}, ("reason",),
                           status=409)
    flash(ctx, "Withdrawn: the response's page now says why it was withdrawn")
    return ctx.redirect("case-publication", reference=case.reference)
