"""The web layer every app is built from: routes with declared access, GOV.UK templates, security."""

from starlette.requests import Request

from shared.web import convertors  # noqa: F401  (registers the bounded {name:id} path convertor)
from shared.web.routing import PUBLIC, Access, RequestContext, page

#: ``Request`` is what an access policy's ``precheck`` is given (so policies need not import starlette).
__all__ = ["PUBLIC", "Access", "Request", "RequestContext", "page"]
