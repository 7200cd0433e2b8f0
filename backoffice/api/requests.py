"""What every API handler reads from a request the same way: a JSON body, and the case its path names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backoffice.api.errors import UnsupportedMediaType
from backoffice.api.schemas import SCHEMAS, check
from backoffice.cases.models import Case
from shared.audit import Actor
from shared.errors import InvalidInput, NotFound
from shared.web import RequestContext

JSON_TYPE = "application/json"


def require_json(ctx: RequestContext, what: str) -> None:
    if not ctx.request.headers.get("content-type", "").startswith(JSON_TYPE):
        raise UnsupportedMediaType(f"Send {what} as a JSON object with Content-Type: application/json")


def find_case(ctx: RequestContext) -> Case:
    """The case of ``{reference}`` in the path, in any letter case; 404 when there is none."""
    reference = str(ctx.request.path_params["reference"]).upper()
    case = ctx.db.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        raise NotFound(f"There is no case {reference}")
    return case


def json_body(ctx: RequestContext, schema: str) -> dict[str, Any]:
    """The request's JSON object, checked against the named schema (422 with each field's error)."""
    require_json(ctx, "the request")
    errors = check(SCHEMAS[schema], ctx.body_json)
    if errors:
        raise InvalidInput(f"The request body does not match the {schema} schema", errors)
    assert isinstance(ctx.body_json, dict)  # the schema says object
    return ctx.body_json


def actor_of(ctx: RequestContext) -> Actor:
    """The API client, as the audit log names it (set by the token policy, ``access.requires``)."""
    assert ctx.actor is not None
    return ctx.actor
