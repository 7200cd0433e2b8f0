"""The form journey: start pages, one page per question group, check your answers, check your email."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from backoffice.public import (
    FormDefinition,
    FormPage,
    offers_published_answers,
    published_answers,
    record_suggestions_shown,
    web_case_types,
)
from capture import answers as rules
from capture import drafts, submission
from capture.models import Draft
from capture.web.common import email_link, is_bot, limit, requester, size_label, web_type
from shared import idempotency
from shared.errors import InvalidInput
from shared.files import DOCUMENTS, StoredFile, scan_status_message, store_upload
from shared.web import RequestContext
from shared.web.forms import error_summary, repeated


def start(ctx: RequestContext) -> Response:
    types = [(t, t.time_to_answer.time) for t in web_case_types(ctx.db)]
    return ctx.render("capture/start.html", {"types": types})


def type_start(ctx: RequestContext) -> Response:
    case_type, definition = web_type(ctx, ctx.request.path_params["type_key"])
    in_words = case_type.time_to_answer
    return ctx.render("capture/type_start.html", {
        "case_type": case_type, "form": definition, "time_words": in_words.time, "time_detail": in_words.explanation,
        "first": definition.pages[0], "has_files": any(q.type == "file" for q in definition.questions.values()),
        "max_mb": size_label(ctx.settings.max_upload_bytes),
    })


def _page_url(ctx: RequestContext, type_key: str, page: FormPage | None, change: bool = False) -> str:
    if page is None:
        return ctx.path_for("check-answers", type_key=type_key)
    return ctx.path_for("question", type_key=type_key, page_key=page.key) + ("?change=1" if change else "")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def question(ctx: RequestContext) -> Response:
    type_key, page_key = ctx.request.path_params["type_key"], ctx.request.path_params["page_key"]
    if not ctx.is_read:
        if is_bot(ctx):
            return ctx.redirect("check-email", type_key=type_key)
        limit(ctx, "answers-ip", ctx.ip)
    _, definition = web_type(ctx, type_key)
    page = definition.page(page_key)
    if page is None:
        raise HTTPException(status_code=404)
    change = ctx.request.query_params.get("change") == "1"
    if not ctx.is_read:
        return _save_page(ctx, definition, page, change)
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    answers = draft.answers if draft else {}
    if not rules.applies(page, answers):
        return _see_other(_page_url(ctx, type_key, rules.first_incomplete(definition, answers)))
    return _render_page(ctx, definition, page, draft, rules.values_from_answers(page, answers), {}, change)


def _render_page(ctx: RequestContext, definition: FormDefinition, page: FormPage, draft: Draft | None,
                 values: dict[str, Any], errors: dict[str, str], change: bool, status: int = 200) -> Response:
    answers = draft.answers if draft else {}
    type_key = ctx.request.path_params["type_key"]
    earlier = rules.previous_page(definition, answers, page)
    back = ctx.path_for("check-answers", type_key=type_key) if change else (
        _page_url(ctx, type_key, earlier) if earlier else ctx.path_for("type-start", type_key=type_key))
    order = [f"{q.key}-day" if q.type == "date" else q.key for q in page.questions]
    files = {q.key: answers.get(q.key) for q in page.questions if q.type == "file" and answers.get(q.key)}
    inline = None
    if page == description_page(definition) and offers_published_answers(ctx.db, type_key):
        inline = {"url": ctx.path_for("suggestions", type_key=type_key), "input": definition.mapped("description").key,  # type: ignore[union-attr]
                  "follow": ctx.path_for("follow-published-answer", type_key=type_key)}
    return ctx.render("capture/question.html", {
        "form": definition, "page": page, "values": values, "back": back, "change": change, "files": files,
        "multipart": any(q.type == "file" for q in page.questions), "max_mb": size_label(ctx.settings.max_upload_bytes),
        "action": _page_url(ctx, type_key, page, change), "seconds_left": drafts.seconds_left(draft),
        "suggestions": inline, **error_summary(errors, order),
    }, status_code=status)


def _save_page(ctx: RequestContext, definition: FormDefinition, page: FormPage, change: bool) -> Response:
    type_key = ctx.request.path_params["type_key"]
    form = ctx.form
    page_input = rules.read_page(page, ctx.field, lambda name: [v for v in (form.getlist(name) if form else [])
                                                                  if isinstance(v, str)])
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    old = draft.answers if draft else {}
    uploads: dict[str, StoredFile] = {}
    status = 422
    for q in (q for q in page.questions if q.type == "file"):
        upload = form.get(q.key) if form is not None else None
        if isinstance(upload, UploadFile) and upload.filename:
            if page_input.errors:
                continue  # store nothing while the page has other errors
            try:
                uploads[q.key] = store_upload(ctx.db, ctx.settings, requester(ctx), filename=upload.filename,
                                              stream=upload.file, allowed=DOCUMENTS, field=q.key)
            except InvalidInput as exc:
                page_input.errors.update(exc.errors)
                status = max(status, exc.status)  # a full disk is the service's fault (503), not the file's
        elif not isinstance(old.get(q.key), dict) and q.required:
            page_input.errors[q.key] = f"Select {q.noun}"
        elif not isinstance(old.get(q.key), dict):
            page_input.answers[q.key] = ""
    if page_input.errors:
        for stored in uploads.values():
            drafts.delete_files(ctx.db, ctx.settings.files_dir, [stored.id], drafts.personal_values(old))
        return _render_page(ctx, definition, page, draft, page_input.values, page_input.errors, change, status=status)
    for key, stored in uploads.items():
        page_input.answers[key] = {"id": stored.id, "name": stored.original_name, "size": stored.size}
    draft = draft or drafts.load_or_start(ctx.db, ctx.request.session, type_key)
    email = definition.mapped("requester.email")
    replaced = drafts.save(ctx.db, draft, page_input.answers, email_key=email.key if email else None)
    drafts.delete_files(ctx.db, ctx.settings.files_dir, replaced, drafts.personal_values(draft.answers))
    if change:
        return _see_other(_page_url(ctx, type_key, rules.first_incomplete(definition, draft.answers), change=True))
    if answers_offered(ctx, definition, page, draft):
        return ctx.redirect("published-answers", type_key=type_key)
    return _see_other(next_url(ctx, definition, draft, page))


def next_url(ctx: RequestContext, definition: FormDefinition, draft: Draft, page: FormPage) -> str:
    """Where the form goes after ``page``: the next page that applies, or check your answers when all are done."""
    following = rules.next_page(definition, draft.answers, page)
    incomplete = rules.first_incomplete(definition, draft.answers)
    return _page_url(ctx, draft.case_type_key,
                     following if following is not None and incomplete is not None else None)


def description_page(definition: FormDefinition) -> FormPage | None:
    """The page that asks what the request is for (FOI and EIR: "What information do you want?")."""
    question = definition.mapped("description")
    return next((p for p in definition.pages if question is not None and question in p.questions), None)


def answers_offered(ctx: RequestContext, definition: FormDefinition, page: FormPage, draft: Draft) -> bool:
    """After the description page of an FOI or EIR form: whether published answers match it, so the
    "Published answers that may help" page comes next. When the page's script already showed some below the
    text box (it says which), they are counted as shown and the page is not shown again."""
    if page != description_page(definition):
        return False
    question = definition.mapped("description")
    assert question is not None
    inline = [int(i) for i in ctx.field("suggestions_shown").split()[:10] if i.isdigit() and len(i) < 12]
    if inline:
        record_suggestions_shown(ctx.db, case_type_key=draft.case_type_key, publication_ids=inline,
                                 draft_digest=draft.key_hash)
        return False
    return bool(published_answers(ctx.db, ctx.settings, str(draft.answers.get(question.key, "")),
                                  draft.case_type_key))


def check_answers(ctx: RequestContext) -> Response:
    type_key = ctx.request.path_params["type_key"]
    if not ctx.is_read and is_bot(ctx):
        return ctx.redirect("check-email", type_key=type_key)
    case_type, definition = web_type(ctx, type_key)
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    answers = draft.answers if draft else {}
    incomplete = rules.first_incomplete(definition, answers)
    if draft is None or incomplete is not None:
        return _see_other(_page_url(ctx, type_key, incomplete or definition.pages[0]))
    errors = submission.file_problems(ctx.db, definition, answers)
    if not ctx.is_read and not errors:
        email = str(answers.get(definition.mapped("requester.email").key, ""))  # type: ignore[union-attr]
        limit(ctx, "send-ip", ctx.ip, ("send-email", email))
        if repeated(ctx):
            return ctx.redirect("check-email", type_key=type_key)  # a double click: one email is enough
        _send(ctx, draft, definition)
        return ctx.redirect("check-email", type_key=type_key)
    return _render_check(ctx, case_type.name, definition, draft, errors, status=422 if errors else 200)


def _render_check(ctx: RequestContext, type_name: str, definition: FormDefinition, draft: Draft,
                  errors: dict[str, str], status: int) -> Response:
    type_key = draft.case_type_key
    rows = []
    for page in rules.live_pages(definition, draft.answers):
        for q in page.questions:
            value = draft.answers.get(q.key)
            note = ""
            if q.type == "file" and isinstance(value, dict):
                stored = ctx.db.get(StoredFile, str(value.get("id")))
                note = scan_status_message(stored) if stored is not None else "This file contained a virus and was deleted"
            rows.append({"key": q.key, "label": rules.summary_label(q), "value": rules.display(q, value), "note": note,
                         "href": _page_url(ctx, type_key, page, change=True), "hidden": q.noun})
    return ctx.render("capture/check_answers.html", {
        "form": definition, "type_name": type_name, "rows": rows, "type_key": type_key,
        "idempotency_key": idempotency.new_key(), "seconds_left": drafts.seconds_left(draft),
        **error_summary(errors, [r["key"] for r in rows]),
    }, status_code=status)


def _send(ctx: RequestContext, draft: Draft, definition: FormDefinition) -> None:
    submission.send_confirmation(ctx.db, draft, definition, link_for=lambda token: email_link(ctx, "confirm", token),
                                 org_name=ctx.settings.org_name)


def check_email(ctx: RequestContext) -> Response:
    type_key = ctx.request.path_params["type_key"]
    _, definition = web_type(ctx, type_key)
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    resent = bool(ctx.request.session.pop("capture_resent", False))
    email_page = definition.page(definition.mapped("requester.email").key)  # type: ignore[union-attr]
    change_email = _page_url(ctx, type_key, email_page, change=True) if draft and draft.email else None
    return ctx.render("capture/check_email.html", {
        "email": draft.email if draft else None, "type_key": type_key, "resent": resent, "change_email": change_email,
    })


def resend(ctx: RequestContext) -> Response:
    type_key = ctx.request.path_params["type_key"]
    limit(ctx, "send-ip", ctx.ip)
    _, definition = web_type(ctx, type_key)
    draft = drafts.load(ctx.db, ctx.request.session, type_key)
    if draft is None or not draft.email or rules.first_incomplete(definition, draft.answers) is not None:
        return ctx.redirect("check-answers", type_key=type_key)
    limit(ctx, "send-email", draft.email)
    _send(ctx, draft, definition)
    ctx.request.session["capture_resent"] = True
    return ctx.redirect("check-email", type_key=type_key)


def keep_alive(ctx: RequestContext) -> Response:
    """The timeout warning's "Continue": the draft counts as touched now."""
    keys = ctx.request.session.get(drafts.SESSION_KEY) or {}
    for type_key in list(keys) if isinstance(keys, dict) else []:
        draft = drafts.load(ctx.db, ctx.request.session, type_key)
        if draft is not None:
            drafts.touch(draft)
    return Response(status_code=204)
