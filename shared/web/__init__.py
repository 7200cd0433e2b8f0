"""The web layer every app is built from: routes with declared access, GOV.UK templates, security."""

from shared.web import convertors  # noqa: F401  (registers the bounded {name:id} path convertor)
from shared.web.routing import PUBLIC, Access, RequestContext, page

__all__ = ["PUBLIC", "Access", "RequestContext", "page"]
