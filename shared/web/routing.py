"""Routes that cannot be left unprotected.

Every route of every app is a :class:`Page` made by :func:`page`. It names an
:class:`Access` policy, gets one database session for the request, has CSRF
checked on every unsafe method, and runs the (synchronous, thin) handler in a
thread. The route inventory test walks the apps and fails on any route that is
not a ``Page``.

Routing owns the request's transaction, and a handler only declares what it
wants of it: the work is committed when the response is not a refusal (below
400), or when the handler said :meth:`RequestContext.keep_changes`; otherwise
it is rolled back, but for :meth:`RequestContext.write_last`'s writes. A piece
of work that may be refused midway runs in :meth:`RequestContext.attempt`, which
undoes it at once, so the handler catching the refusal shows its form again
from the database as it was. A handler never commits or rolls back itself.

An unsafe request's body is read only after everything that can refuse it
without the body has had its say: its declared size and type, the access
policy's pre-check and the CSRF token when it comes in a header (or cannot
match because the session has none). It is then read against a limit that
fits what it is (:data:`FORM_BYTES`, :data:`JSON_BYTES`, or one upload for a
route that says ``files=True``: ``MAX_UPLOAD_MB``, or the route's own ``upload_limit``
where staff send larger files), counted as it arrives (``shared.web.bodies``).
"""

from __future__ import annotations

import copy
import functools
import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from shared import db
from shared.audit import Actor
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.bodies import BodyTooLarge, budget_of
from shared.web.paths import path_to
from shared.web.principal import Principal

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

#: A urlencoded form: the longest text any page takes (a letter, a template) is far below this.
FORM_BYTES = 1024 * 1024
#: A JSON body (the API, the keep-alive ping): a case with every field at its longest fits many times over.
JSON_BYTES = 1024 * 1024
#: Deeper than any request needs; past it a body is refused before any code recurses into it.
MAX_JSON_DEPTH = 32
#: Room for the form fields beside the files on a route that takes them (MAX_UPLOAD_MB is the files' share).
FILE_FORM_BYTES = 64 * 1024
#: File parts one multipart request may hold, and fields any form may hold.
MAX_FILE_PARTS = 5
MAX_FIELDS = 200


#: How many bytes of files a route that takes them accepts, from the settings (a route's ``upload_limit``).
UploadLimit = Callable[[Settings], int]


def default_upload_limit(settings: Settings) -> int:
    """What the public and most staff upload forms take: ``MAX_UPLOAD_MB``."""
    return settings.max_upload_bytes


class CsrfFailure(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=400, detail="csrf")


@dataclass(frozen=True)
class Access:
    """Who may use a route.

    ``check`` raises (for example an HTTP 401/403) when the request may not
    proceed and may return the :class:`Principal` it acts for. ``csrf`` is False only
    for routes authenticated by a bearer token, which a browser never sends on
    its own. ``writes`` says the check itself records something on every
    request (a session's last activity, a token's last use), so even its GETs
    are write transactions.

    ``precheck`` looks at the request alone (headers, the signed cookie; no
    body, no database) and returns False when ``check`` is bound to refuse it,
    say for want of a session or a bearer token: the body of an unsafe request
    is then never read, and ``check`` gives its usual refusal.
    """

    name: str
    check: Callable[[RequestContext], Principal | None] | None = None
    csrf: bool = True
    writes: bool = False
    precheck: Callable[[Request], bool] | None = None


PUBLIC = Access("public")


def ensure_csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


@dataclass
class RequestContext:
    """What a handler gets: the request, its database session, parsed input and who it acts for."""

    request: Request
    db: Session
    runtime: Runtime
    form: FormData | None = None
    body_json: Any = None
    #: Set by the route's access policy; None on a public page.
    principal: Principal | None = None
    _keep: bool = field(default=False, init=False, repr=False)
    _last: list[LastWrite] = field(default_factory=list, init=False, repr=False)
    _session_before: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def actor(self) -> Actor | None:
        """Who the audit log records: the principal's actor; None on a public page (see :meth:`anonymous_actor`)."""
        return self.principal.actor if self.principal is not None else None

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def ip(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    def anonymous_actor(self, label: str = "member of the public") -> Actor:
        return Actor(type="requester", label=label, ip=self.ip, request_id=self.request_id)

    def path_for(self, name: str, **params: Any) -> str:
        return self.request.scope.get("root_path", "") + path_to(self.request.app, name, **params)

    def render(self, template: str, context: Mapping[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
        templates = self.request.app.state.templates
        user = self.principal.user if self.principal is not None else None
        values = {"actor": self.actor, "user": user, **dict(context or {})}
        response: HTMLResponse = templates.TemplateResponse(self.request, template, values, status_code=status_code)
        return response

    def redirect(self, name: str, **params: Any) -> RedirectResponse:
        """See Other: after a POST the browser fetches the next page with GET."""
        return RedirectResponse(self.path_for(name, **params), status_code=303)

    def json(self, data: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(data, status_code=status_code, headers=dict(headers or {}))

    @property
    def is_read(self) -> bool:
        """GET or HEAD: a page is shown, nothing is sent. A handler that takes both GET and POST asks this,
        never ``method == "GET"``, so that a HEAD is a look at the page, not a form with no fields."""
        return self.request.method in SAFE_METHODS

    def field(self, name: str, default: str = "") -> str:
        """A form field's first value as text (a field sent twice is its first value; a file is no text)."""
        values = self.form.getlist(name) if self.form is not None else []
        value = values[0] if values else None
        return value if isinstance(value, str) else default

    def keep_changes(self) -> None:
        """Commit this request's work although the page it returns is a refusal (a status of 400 or more).

        For a refusal that is itself worth keeping: a failed sign-in's count and
        audit entry, say. An exception raised afterwards still undoes the work.
        """
        self._keep = True

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Run work that may be refused midway: when it raises, what it wrote is undone before the raise.

        The handler that catches the refusal (an :class:`~shared.errors.InvalidInput`,
        say) then reads the database as it was before the attempt, to show the
        form again, with nothing of the attempt in it; the request's response
        decides the rest of the transaction as usual. A savepoint, so what was
        done before the attempt (the access check's own writes) is left alone.
        """
        with self.db.begin_nested():
            yield

    def write_last(self, write: LastWrite) -> None:
        """Have ``write`` done at the end of this request, and kept whatever the request's outcome.

        For counts that must stand even when the request fails or is refused (a
        rate limit's hit) without a transaction of their own. Done last so that
        the row it raises, which many requests share, stays locked only for the
        end of the transaction. ``write`` returns a refusal to raise, if any (a
        limit the count has gone over): the request's other work is then
        undone and only the last writes are kept.
        """
        if not self._last:
            self._session_before = copy.deepcopy(dict(self.request.session))
        self._last.append(write)

    def _finish(self, response: Response | None) -> None:
        """Commit a request that succeeded or said to keep its changes; otherwise undo it but for the last writes.

        ``response`` is None when the handler raised.
        """
        writes = self._last
        if response is not None and (response.status_code < 400 or self._keep):
            refusals = [refusal for write in writes if (refusal := write(self.db)) is not None]
            if not refusals:
                self.db.commit()
                return
            self._undo_but_write_last(writes)
            # Undone work must not be remembered in the cookie either (a confirmation of a case
            # that was never created, say): it goes back to how it was when counting began.
            self.request.session.clear()
            self.request.session.update(self._session_before)
            raise refusals[0]
        self._undo_but_write_last(writes)

    def _undo_but_write_last(self, writes: list[LastWrite]) -> None:
        self.db.rollback()
        if writes:
            for write in writes:
                write(self.db)  # counted again after the rollback; its refusal is already the answer
            self.db.commit()


#: Writes itself into the session; returns an exception to raise if the request must now be refused.
LastWrite = Callable[[Session], Exception | None]


Handler = Callable[[RequestContext], Response]


class Page(Route):
    """A route with a declared access policy; the only kind of route the apps use.

    A GET is read-only unless the route says ``writes_on_get`` (a download
    that records itself, say): on SQLite that keeps page views off the one
    write lock, and a GET that writes without saying so fails in every test.
    Only a route that says ``files=True`` takes ``multipart/form-data``, and
    only it may be sent a body of MAX_UPLOAD_MB (or of its ``upload_limit``, in up to
    ``max_file_parts`` files, for a staff page that takes large files); every other refuses a
    multipart body unread (415). A route that says ``api=True`` is a client's,
    not a person's: its every refusal is an RFC 9457 problem document, never a
    GOV.UK page (``shared.web.errors`` asks the matched route), and an unsafe
    request with no form body has no empty form made up for it.
    """

    def __init__(self, path: str, handler: Handler, *, name: str, access: Access, methods: list[str],
                 writes_on_get: bool = False, files: bool = False, api: bool = False,
                 upload_limit: UploadLimit | None = None, max_file_parts: int = MAX_FILE_PARTS) -> None:
        if (upload_limit is not None or max_file_parts != MAX_FILE_PARTS) and not files:
            raise ValueError(f"{path}: an upload limit is only for a route that takes files (files=True)")
        self.handler = handler
        self.access = access
        self.writes_on_get = writes_on_get
        self.files = files
        self.api = api
        self.upload_limit: UploadLimit = upload_limit or default_upload_limit
        self.max_file_parts = max_file_parts

        async def endpoint(request: Request) -> Response:
            return await _dispatch(request, self)

        super().__init__(path, endpoint, methods=methods, name=name)
        #: Every method the path takes, across the routes that share it (see :func:`share_paths`).
        self.methods_here: frozenset[str] = frozenset(self.methods or ())

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A method the path does not take is a 405 whose ``Allow`` names every method it does take,
        whichever of the routes sharing the path was matched first."""
        if scope["method"] not in (self.methods or ()):
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(sorted(self.methods_here))})
        await super().handle(scope, receive, send)


def share_paths(routes: Sequence[BaseRoute]) -> None:
    """Tell each page which methods its path takes in all (a GET page and a POST page may share a path)."""
    methods: dict[str, set[str]] = {}
    for route in routes:
        if isinstance(route, Page):
            methods.setdefault(route.path, set()).update(route.methods or ())
    for route in routes:
        if isinstance(route, Page):
            route.methods_here = frozenset(methods[route.path])


def page(path: str, handler: Handler, *, name: str, access: Access, methods: tuple[str, ...] = ("GET",),
         writes_on_get: bool = False, files: bool = False, api: bool = False,
         upload_limit: UploadLimit | None = None, max_file_parts: int = MAX_FILE_PARTS) -> Page:
    """A route; ``files=True`` lets it take ``multipart/form-data``, up to ``upload_limit(settings)`` bytes of
    files (MAX_UPLOAD_MB unless given) in at most ``max_file_parts`` files."""
    return Page(path, handler, name=name, access=access, methods=list(methods), writes_on_get=writes_on_get,
                files=files, api=api, upload_limit=upload_limit, max_file_parts=max_file_parts)


def api_page(path: str, handler: Handler, *, name: str, access: Access, methods: tuple[str, ...] = ("GET",),
             files: bool = False, upload_limit: UploadLimit | None = None) -> Page:
    """A route of an API: its refusals are problem documents (see :class:`Page`)."""
    return page(path, handler, name=name, access=access, methods=methods, api=True, files=files,
                upload_limit=upload_limit)


def body_ceiling(settings: Settings, routes: Sequence[BaseRoute] = ()) -> int:
    """The most any route accepts: the starting budget of every request, before its route lowers it.

    A route with a larger ``upload_limit`` (staff response documents) raises it; every other request's
    budget is lowered to its own route's limit as soon as the route is known, before a byte is read.
    """
    uploads = [route.upload_limit(settings) for route in routes if isinstance(route, Page) and route.files]
    return max(max([settings.max_upload_bytes, *uploads]) + FILE_FORM_BYTES, FORM_BYTES, JSON_BYTES)


def _body_kind(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media == "multipart/form-data":
        return "multipart"
    return "other"


def _limit_body(request: Request, kind: str, route: Page, settings: Settings) -> None:
    """Refuse, before reading a byte, a body this route never takes or declared larger than it takes."""
    if kind == "multipart" and not route.files:
        raise HTTPException(status_code=415, detail="This page does not take files.")
    limit = route.upload_limit(settings) + FILE_FORM_BYTES if kind == "multipart" else (
        JSON_BYTES if kind == "json" else FORM_BYTES)
    budget = budget_of(request.scope)
    if budget is not None:
        budget.limit_to(limit)
        return
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()


async def _read_input(request: Request, kind: str, max_files: int = MAX_FILE_PARTS) -> tuple[FormData | None, Any]:
    if kind == "json":
        return None, _without_nul(_parse_json(await request.body()))
    if kind in ("form", "multipart"):
        try:
            # Starlette spools each file past 1 MB to a temporary file as it arrives: none is held in memory.
            form = await request.form(max_files=max_files, max_fields=MAX_FIELDS, max_part_size=FORM_BYTES)
        except MultiPartException as exc:
            raise HTTPException(status_code=400, detail=exc.message) from exc
        if any(NUL in key or (isinstance(value, str) and NUL in value) for key, value in form.multi_items()):
            form = FormData([(key.replace(NUL, ""), value.replace(NUL, "") if isinstance(value, str) else value)
                             for key, value in form.multi_items()])
        return form, None
    return None, None


#: No text column (PostgreSQL's above all) can hold it, and no person types it: it is dropped from every
#: form field, JSON string and query string as the request is read; a path holding one names nothing (404).
NUL = "\x00"


def _without_nul(value: Any) -> Any:
    """``value`` (parsed JSON) with NUL dropped from every string, keys included; the depth is already bounded."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _drop_nul_from_address(request: Request) -> None:
    """A NUL in the path is a 404; in the query string it is dropped, as it is from a form."""
    if NUL in request.scope.get("path", ""):
        raise HTTPException(status_code=404)
    query: bytes = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        request.scope["query_string"] = query.replace(b"\x00", b"").replace(b"%00", b"")


def _parse_json(body: bytes) -> Any:
    try:
        value = json.loads(body or b"null")
    except RecursionError as exc:
        raise HTTPException(status_code=400, detail="deep-json") from exc
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="malformed-json") from exc
    if _json_depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(status_code=400, detail="deep-json")
    return value


def _json_depth(value: Any) -> int:
    """How deeply arrays and objects nest (a scalar is 0), found without recursion; stops past the limit."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def _same_token(expected: Any, supplied: str) -> bool:
    """Compared as bytes: ``compare_digest`` refuses a str with non-ASCII characters (a TypeError, a 500)."""
    return secrets.compare_digest(str(expected).encode(), supplied.encode("utf-8", "replace"))


def _check_csrf_before_reading(request: Request) -> None:
    """What the CSRF check can decide from the headers alone: no token in the session, or a wrong one sent."""
    expected = request.session.get("csrf")
    supplied = request.headers.get(CSRF_HEADER)
    if not expected or (supplied is not None and not _same_token(expected, supplied)):
        raise CsrfFailure()


def _check_csrf(request: Request, form: FormData | None) -> None:
    expected = request.session.get("csrf")
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and form is not None:
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not expected or not supplied or not _same_token(expected, supplied):
        raise CsrfFailure()


async def _dispatch(request: Request, route: Page) -> Response:
    runtime: Runtime = request.app.state.runtime
    access = route.access
    form, body_json = (None, None)
    unread = False
    _drop_nul_from_address(request)
    if request.method in UNSAFE_METHODS:
        kind = _body_kind(request)
        _limit_body(request, kind, route, runtime.settings)
        if access.csrf:
            _check_csrf_before_reading(request)
        unread = access.precheck is not None and not access.precheck(request)
        if not unread:
            form, body_json = await _read_input(request, kind, route.max_file_parts)
            if access.csrf:
                _check_csrf(request, form)
    read_only = request.method in SAFE_METHODS and not (route.writes_on_get or access.writes)
    if form is None and not route.api and request.method in UNSAFE_METHODS:
        form = FormData()  # a browser page reads form fields; a body of another kind simply has none
    work = functools.partial(_run_in_transaction, request, runtime, route, form, body_json, read_only, unread)
    return await anyio.to_thread.run_sync(work, limiter=thread_budget(request.app))


_BUDGET = "thread_budget"


def thread_budget(app: Starlette) -> anyio.CapacityLimiter:
    """The app's own threads for its handlers, ``app.state.threads`` of them (made in the event loop, on first use).

    All apps once shared anyio's 40, with the file reads of every download: 200 searches of the Disclosure
    Log held them all, and a requester's form page waited behind the searches for a thread (1.4 s at p95).
    Now a flood on one app queues within its own budget, and the others' requests still find a thread.
    """
    budget: anyio.CapacityLimiter | None = getattr(app.state, _BUDGET, None)
    if budget is None:
        budget = anyio.CapacityLimiter(getattr(app.state, "threads", 40))
        setattr(app.state, _BUDGET, budget)
    return budget


def _run_in_transaction(
    request: Request,
    runtime: Runtime,
    route: Page,
    form: FormData | None,
    body_json: Any,
    read_only: bool,
    unread: bool = False,
) -> Response:
    session = runtime.factory()
    if read_only:
        db.read_only(session)
    ctx = RequestContext(request=request, db=session, runtime=runtime, form=form, body_json=body_json)
    try:
        try:
            if route.access.check is not None:
                ctx.principal = route.access.check(ctx)
            if unread:
                # The pre-check said the policy would refuse, so the body (and any CSRF field in it) was
                # never read; a check that let the request through anyway must not reach the handler.
                raise HTTPException(status_code=403)
            response = route.handler(ctx)
        except BaseException:
            ctx._finish(None)
            raise
        ctx._finish(response)
        return response
    finally:
        session.close()
