"""The signed-in pages: the documents, their downloads, "Download all", the history, sign out and removal.

Downloads are GETs that write nothing in their request: the history's "Downloaded" (or "stopped at N
MB") line is written when the body has ended, by ``on_finish`` in a committed session of its own, since
only then is it known whether the last byte went out. The routes say ``writes_on_get`` for that line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from starlette.responses import Response

from backoffice.public import (
    DownloadFile,
    history_csv,
    record_share_download,
    remove_shared_documents,
    share_file_to_download,
    share_files_to_download,
    share_history,
    sign_out_of_share,
)
from secureshare.web import cookies
from secureshare.web.common import (
    OTHER_TYPE,
    keep,
    session_of,
    share_address,
    signed_in,
    token_of,
)
from secureshare.web.visitors import device_of
from shared.db import transaction
from shared.errors import NotFound
from shared.files import clean_name, file_path
from shared.files.archive import ZipMember, zip_response
from shared.files.words import known_type, type_in_words
from shared.web import RequestContext
from shared.web.downloads import file_response

REMOVED_KEY = "secureshare_removed"
#: A download is a file to save, never a page: it runs no script and opens nothing, whatever it holds.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@share_address
def documents(ctx: RequestContext) -> Response:
    view = signed_in(ctx)
    files = [(f, type_in_words(f.content_type)) for f in view.files]
    return keep(ctx, ctx.render("secureshare/documents.html", {"view": view, "files": files, "token": token_of(ctx)}))


def attachment_headers(name: str, content_type: str) -> dict[str, str]:
    """RFC 6266: an ASCII ``filename`` for old clients and the exact name as ``filename*``; the stored type
    when it is one the service allows, else a plain download."""
    shown = clean_name(name) or "document"
    ascii_name = shown.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip() or "document"
    return {
        "Content-Type": content_type if known_type(content_type) else OTHER_TYPE,
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(shown, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_CSP,
        "Cache-Control": "no-store, private",
    }


def _recorder(ctx: RequestContext, share_id: int, share_file_id: int | None) -> Callable[[int, bool], None]:
    """Write the download's line when the body has ended, in a transaction of its own (the request's is over)."""
    factory, device, ip = ctx.runtime.factory, device_of(ctx.request), ctx.ip

    def on_finish(bytes_sent: int, complete: bool) -> None:
        with transaction(factory) as session:
            record_share_download(session, share_id, share_file_id, bytes_sent=bytes_sent, complete=complete,
                                  device=device, ip=ip)

    return on_finish


@share_address
def download(ctx: RequestContext) -> Response:
    item = share_file_to_download(ctx.db, token_of(ctx), session_of(ctx), int(ctx.request.path_params["file_id"]))
    path = _stored(ctx, item)
    response = file_response(ctx.request, path=path, size=item.size, etag=item.sha256,
                             headers=attachment_headers(item.name, item.content_type),
                             on_finish=_recorder(ctx, item.share_id, item.share_file_id), last_modified=item.modified)
    return keep(ctx, response)


@share_address
def download_all(ctx: RequestContext) -> Response:
    view = signed_in(ctx)
    items = share_files_to_download(ctx.db, token_of(ctx), session_of(ctx))
    if not items:
        raise NotFound("There are no documents to download")
    members = [ZipMember(name=item.name, path=_stored(ctx, item), size=item.size) for item in items]
    response = zip_response(ctx.request, members, filename=f"{view.reference}.zip",
                            on_finish=_recorder(ctx, view.share_id, None),
                            headers={"Content-Security-Policy": DOWNLOAD_CSP, "Cache-Control": "no-store, private"})
    return keep(ctx, response)


def _stored(ctx: RequestContext, item: DownloadFile) -> Path:
    path = file_path(ctx.settings.files_dir, item.file_id)
    if not path.is_file():  # deleted by the worker a moment ago: the share has ended, or is ending
        raise NotFound("This document is no longer stored")
    return path


@share_address
def history(ctx: RequestContext) -> Response:
    view = signed_in(ctx)
    entries = share_history(ctx.db, token_of(ctx), session_of(ctx))
    return keep(ctx, ctx.render("secureshare/history.html", {"view": view, "entries": entries, "token": token_of(ctx)}))


@share_address
def history_download(ctx: RequestContext) -> Response:
    view = signed_in(ctx)
    body = history_csv(share_history(ctx.db, token_of(ctx), session_of(ctx)))
    name = f"{view.reference}-history.csv"
    response = Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Content-Security-Policy": DOWNLOAD_CSP, "Cache-Control": "no-store, private"})
    return keep(ctx, response)


@share_address
def sign_out(ctx: RequestContext) -> Response:
    token = token_of(ctx)
    sign_out_of_share(ctx.db, token, session_of(ctx), device_of(ctx.request))
    response = ctx.redirect("share", token=token)
    response.headers["Location"] += "?signed-out=1"
    return cookies.forget(response, ctx.request, ctx.settings)


@share_address
def remove(ctx: RequestContext) -> Response:
    """GET: "Are you sure?"; POST: the documents are gone for good, and the cookie with them."""
    if ctx.is_read:
        view = signed_in(ctx)
        return keep(ctx, ctx.render("secureshare/remove.html", {"view": view, "token": token_of(ctx)}))
    ended = remove_shared_documents(ctx.db, token_of(ctx), session_of(ctx), device_of(ctx.request), ctx.ip)
    ctx.request.session[REMOVED_KEY] = {"reference": ended.reference, "on": ended.on}
    return cookies.forget(ctx.redirect("removed"), ctx.request, ctx.settings)


def removed(ctx: RequestContext) -> Response:
    """After removal the share's own addresses all answer 410, so the "Documents removed" page has its own."""
    info = ctx.request.session.get(REMOVED_KEY)
    if not isinstance(info, dict):
        return ctx.redirect("start")
    return ctx.render("secureshare/removed.html", {"reference": info.get("reference", ""), "on": info.get("on", "")})
