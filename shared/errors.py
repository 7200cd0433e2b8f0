"""Domain errors: raised by services that know nothing of HTTP.

One exception handler in ``shared.web.errors`` maps them to a GOV.UK page or an
RFC 9457 problem document, by the ``status`` and ``title`` each class declares.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status: int = 422
    title: str = "The request could not be processed"

    def __init__(self, detail: str = "", errors: Mapping[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = dict(errors or {})


class InvalidInput(DomainError):
    """Input failed validation; ``errors`` maps each field to its message."""

    status = 422
    title = "There is a problem with the data sent"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    """Also used where a thing exists but the user may not know that it does."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "The action conflicts with the current state"


class NotAuthenticated(DomainError):
    status = 401
    title = "Authentication required"
