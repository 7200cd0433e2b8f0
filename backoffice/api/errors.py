"""Failures particular to the API, as domain errors so the shared handler turns them into problems.

Field-level failures carry ``errors`` as a mapping of dotted field name to
message, exactly like :class:`shared.errors.InvalidInput` from the case core,
so one converter (:func:`backoffice.api.schemas.field_errors`) turns both into
the problem document's list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from shared.errors import DomainError, NotAuthenticated, PermissionDenied


class BearerTokenRequired(NotAuthenticated):
    """401 with the RFC 6750 challenge; ``error="invalid_token"`` only when a token was sent."""

    title = "Authentication required"

    def __init__(self, detail: str, *, token_sent: bool) -> None:
        super().__init__(detail)
        challenge = 'Bearer realm="api"' + (', error="invalid_token"' if token_sent else "")
        self.headers: dict[str, str] = {"WWW-Authenticate": challenge}


class InsufficientScope(PermissionDenied):
    """403 with the RFC 6750 challenge ``error="insufficient_scope"`` naming the scope the route needs."""

    title = "Insufficient scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This API token does not have the {scope} scope this request needs (insufficient_scope)")
        self.scope = scope
        self.headers: dict[str, str] = {
            "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'}


class BadRequest(DomainError):
    """Query parameters, headers or a cursor the API cannot use."""

    status = 400
    title = "The request is not valid"


class UnusableQuery(DomainError):
    """Query parameters of the right form that name nothing that exists, or a cursor this API did not issue
    for these filters: what no schema can say, so 422 (the request was understood), not 400."""

    status = 422
    title = "The query names something that does not exist"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"
    headers: ClassVar[Mapping[str, str]] = {"Accept-Post": "application/json"}


class IdempotencyKeyReused(DomainError):
    """The draft IETF Idempotency-Key header spec answers a key reused with another payload with 422."""

    status = 422
    title = "Idempotency key already used for a different request"


class IdempotencyKeyInFlight(DomainError):
    status = 409
    title = "A request with this idempotency key is still being processed"
