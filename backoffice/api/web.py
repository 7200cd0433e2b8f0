"""The API's handlers: thin, parse with :mod:`backoffice.api.schemas`, act through the case core, serialise.

Every handler is wrapped so that a domain error becomes an RFC 9457 problem
whose ``errors`` member is a *list* of ``{field, detail[, pointer]}`` (the
shape of RFC 9457's own example), whatever raised it: the JSON shape check
here or the case core's validation. Failures before the handler runs (a bad
token, malformed JSON) are problems from the shared error handler, with the
same members.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from backoffice.api import (
    clock,
    closing_web,
    idempotency,
    incidents_web,
    openapi,
    publication_web,
    queries,
    read_audit,
    reports_web,
    schemas,
    shares_web,
)
from backoffice.api.access import current_client, requires
from backoffice.api.errors import BadRequest
from backoffice.api.requests import find_case, require_json
from backoffice.cases.case_types import case_types
from backoffice.cases.models import Case
from backoffice.intake.new_cases import create_case
from shared.audit import Actor
from shared.errors import DomainError, InvalidInput, NotFound
from shared.files import staff_upload_limit
from shared.web import PUBLIC, RequestContext
from shared.web.errors import problem
from shared.web.routing import Handler, api_page

#: Where the API's paths begin in the back office: a path under it that no route takes is the API's 404 problem.
PATHS = "/api"


def _problem_for(request: Request, exc: DomainError) -> Response:
    extra = {"errors": schemas.field_errors(exc.errors, in_body=isinstance(exc, InvalidInput))} if exc.errors else None
    response = problem(exc.status, exc.title, exc.detail, request, extra)
    for name, value in dict(getattr(exc, "headers", None) or {}).items():
        response.headers[name] = value
    return response


def _problems(handler: Handler) -> Handler:
    def wrapped(ctx: RequestContext) -> Response:
        try:
            return handler(ctx)
        except DomainError as exc:  # the response is >= 400, so the request's transaction is rolled back
            return _problem_for(ctx.request, exc)

    return wrapped


def _actor(ctx: RequestContext) -> Actor:
    assert ctx.actor is not None  # set by the token policy (access.requires)
    return ctx.actor


def _case_json(ctx: RequestContext, case: Case) -> dict[str, Any]:
    return schemas.case_json(case, ctx.settings, clock.clock_json(ctx.db, [case])[case.id])


def _case_response(ctx: RequestContext, case: Case, status_code: int, **headers: str) -> Response:
    return ctx.json(_case_json(ctx, case), status_code=status_code,
                    headers={"Location": schemas.case_url(ctx.settings, case.reference), **headers})


def create(ctx: RequestContext) -> Response:
    require_json(ctx, "the case")
    new = schemas.new_case_from_json(ctx.body_json)
    client = current_client(ctx)
    key = ctx.request.headers.get(idempotency.HEADER)
    row = None
    if key is not None:
        row, earlier = idempotency.claim(ctx.db, client.id, idempotency.check_key(key), ctx.body_json)
        if earlier is not None:
            case = ctx.db.scalar(select(Case).where(Case.reference == earlier))
            if case is None:
                raise NotFound(f"The case {earlier} created with this Idempotency-Key no longer exists")
            return _case_response(ctx, case, 200, **{"Idempotent-Replayed": "true"})
    case = create_case(ctx.db, _actor(ctx), new, acknowledge=True)
    if row is not None:
        row.reference = case.reference
    return _case_response(ctx, case, 201)


def show(ctx: RequestContext) -> Response:
    case = find_case(ctx)
    read_audit.record_case_read(ctx.db, _actor(ctx), case)
    return ctx.json(_case_json(ctx, case))


ClockAction = Callable[[Session, Actor, Case, Any], None]


def _clock_action(action: ClockAction) -> Handler:
    """A clock change: trusted systems may make it whatever staff roles say; the case core audits it
    with the API client as actor and refuses what the law does not allow (409)."""

    def handler(ctx: RequestContext) -> Response:
        require_json(ctx, "the request")
        case = find_case(ctx)
        action(ctx.db, _actor(ctx), case, ctx.body_json)
        ctx.db.flush()
        return ctx.json(_case_json(ctx, case))

    return handler


def index(ctx: RequestContext) -> Response:
    params = ctx.request.query_params.multi_items()
    query, errors = schemas.list_query(params)
    if errors:
        raise BadRequest("Some query parameters are not valid", errors)
    f = queries.case_filter(ctx.db, query)
    secret = ctx.settings.secret_key
    after = queries.decode_cursor(secret, query, query.cursor) if query.cursor else None
    cases, position = queries.page_of_cases(ctx.db, f, query.limit, after)
    next_cursor = queries.encode_cursor(secret, query, position) if position else None
    next_link = None
    if next_cursor:
        kept = [(name, value) for name, value in params if name != "cursor"]
        next_link = ctx.settings.url(f"{schemas.API_PREFIX}/cases?" + urlencode([*kept, ("cursor", next_cursor)]))
    states = clock.clock_json(ctx.db, cases)
    read_audit.record_listing(ctx.db, _actor(ctx), cases, query.filter_fields())
    return ctx.json({"cases": [schemas.case_json(case, ctx.settings, states[case.id]) for case in cases],
                     "next_cursor": next_cursor, "links": {"next": next_link}})


def openapi_document(ctx: RequestContext) -> Response:
    return ctx.json(openapi.document(ctx.settings, [t.key for t in case_types(ctx.db)]))


def share_routes() -> list[BaseRoute]:
    """Secure Share: attachments are the case's (cases scopes), shares are releases (releases scopes)."""
    wrap, post = _problems, ("POST",)
    case, share = "/api/v1/cases/{reference}", "/api/v1/cases/{reference}/shares/{share_id}"
    release, read_releases = requires("releases:write"), requires("releases:read")
    return [
        api_page(case + "/attachments", wrap(shares_web.list_attachments), name="api-case-attachments",
                 access=requires("cases:read")),
        api_page(case + "/attachments", wrap(shares_web.add_attachment), name="api-case-attachment-add",
                 access=requires("cases:write"), methods=post, files=True, upload_limit=staff_upload_limit),
        api_page(case + "/shares", wrap(shares_web.list_shares), name="api-case-shares", access=read_releases),
        api_page(case + "/shares", wrap(shares_web.create_share), name="api-case-share-create", access=release,
                 methods=post),
        api_page(share, wrap(shares_web.show_share), name="api-case-share", access=read_releases),
        api_page(share + "/resend", wrap(shares_web.resend), name="api-case-share-resend", access=release, methods=post),
        api_page(share + "/extend", wrap(shares_web.extend), name="api-case-share-extend", access=release, methods=post),
        api_page(share + "/revoke", wrap(shares_web.revoke), name="api-case-share-revoke", access=release, methods=post),
        api_page(share + "/unlock", wrap(shares_web.unlock), name="api-case-share-unlock", access=release, methods=post),
    ]


def publication_routes() -> list[BaseRoute]:
    """The Disclosure Log: publish a closed case's response, read it, withdraw it."""
    wrap, post = _problems, ("POST",)
    publication = "/api/v1/cases/{reference}/publication"
    write, read = requires("disclosures:write"), requires("disclosures:read")
    return [
        api_page(publication, wrap(publication_web.show_publication), name="api-case-publication", access=read),
        api_page(publication, wrap(publication_web.create_publication), name="api-case-publication-create",
                 access=write, methods=post),
        api_page(publication + "/withdraw", wrap(publication_web.withdraw_publication),
                 name="api-case-publication-withdraw", access=write, methods=post),
    ]


def incident_routes() -> list[BaseRoute]:
    """Incidents (issue #16): raise one, read it with its timeline, and the steps that move its clocks."""
    wrap, post = _problems, ("POST",)
    incident = "/api/v1/incidents/{reference}"
    write = requires("incidents:write")
    steps = {"respond": incidents_web.respond, "pause": incidents_web.pause, "resume": incidents_web.resume,
             "resolve": incidents_web.resolve, "reprioritise": incidents_web.reprioritise}
    return [
        api_page("/api/v1/incidents", wrap(incidents_web.create_incident), name="api-incident-create", access=write,
                 methods=post),
        api_page(incident, wrap(incidents_web.show_incident), name="api-incident",
                 access=requires("incidents:read")),
        *(api_page(f"{incident}/{step}", wrap(handler), name=f"api-incident-{step}", access=write, methods=post)
          for step, handler in steps.items()),
    ]


def api_routes() -> list[BaseRoute]:
    """The API's routes, for ``backoffice.web.routes()`` (the back office is mounted at /backoffice).

    Each names the scope it needs; the OpenAPI document publishes it (a test holds the two together).
    """
    wrap = _problems
    read, write = requires("cases:read"), requires("cases:write")
    return [
        api_page("/api/v1/cases", wrap(index), name="api-cases", access=read),
        api_page("/api/v1/cases", wrap(create), name="api-create-case", access=write, methods=("POST",)),
        api_page("/api/v1/cases/{reference}", wrap(show), name="api-case", access=read),
        api_page("/api/v1/cases/{reference}/extend", wrap(_clock_action(clock.extend)), name="api-case-extend",
                 access=write, methods=("POST",)),
        api_page("/api/v1/cases/{reference}/pause", wrap(_clock_action(clock.pause)), name="api-case-pause",
                 access=write, methods=("POST",)),
        api_page("/api/v1/cases/{reference}/resume", wrap(_clock_action(clock.resume)), name="api-case-resume",
                 access=write, methods=("POST",)),
        api_page("/api/v1/cases/{reference}/clarification", wrap(_clock_action(clock.clarification)),
                 name="api-case-clarification", access=write, methods=("POST",)),
        api_page("/api/v1/cases/{reference}/close", wrap(closing_web.close_case), name="api-case-close",
                 access=write, methods=("POST",)),
        *share_routes(),
        *publication_routes(),
        *incident_routes(),
        api_page("/api/v1/reports/{report}", wrap(reports_web.show_report), name="api-report",
                 access=requires("reports:read")),
        api_page("/api/v1/openapi.json", openapi_document, name="api-openapi", access=PUBLIC),
    ]
