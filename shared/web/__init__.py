"""The web layer every app is built from: routes with declared access, GOV.UK templates, security."""

from shared.web.routing import PUBLIC, Access, RequestContext, page

__all__ = ["PUBLIC", "Access", "RequestContext", "page"]
