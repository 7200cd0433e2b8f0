"""What every API handler reads from a request the same way: a JSON body, and the case its path names."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.api.errors import UnsupportedMediaType
from backoffice.cases.models import Case
from shared.errors import NotFound
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
