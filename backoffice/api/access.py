"""The API's access policy: a bearer token from ``civic api-tokens create``, and the scope each route needs.

Every API route is behind :func:`requires` with one scope from the registry
(``backoffice.staff.api_clients.SCOPES``): there is no policy for "any valid
token", so a new route cannot be added without saying what it lets a client do.

No cookies and no CSRF: a browser never sends the Authorization header on its
own. A revoked or expired token stops working on the next request because the
client is looked up every time (401, RFC 6750 ``invalid_token``); a token
without the route's scope gets 403 with ``insufficient_scope`` and the scope it
needs. ``last_used_at`` shows administrators which tokens are still in use
before they revoke one.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.api.errors import BearerTokenRequired, InsufficientScope
from backoffice.staff.api_clients import SCOPES, ApiClient, find_client, refusal
from shared.audit import Actor
from shared.db import utcnow
from shared.web import Access, Request, RequestContext

POLICY_PREFIX = "api-token:"


@dataclass(frozen=True)
class ApiPrincipal:
    """A client let in by its bearer token: the client record and the audit actor; no person to show."""

    client: ApiClient
    actor: Actor
    user: None = None


def _authenticate(ctx: RequestContext) -> ApiClient:
    scheme, _, token = ctx.request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise BearerTokenRequired("Send an API token as 'Authorization: Bearer <token>'", token_sent=False)
    client = find_client(ctx.db, token)
    now = utcnow()
    reason = refusal(client, now)
    if reason is not None or client is None:
        raise BearerTokenRequired(reason or "The API token is not valid", token_sent=True)
    return client


def _sends_a_token(request: Request) -> bool:
    """No bearer token at all: the policy's check refuses, so the body is never read."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _policy(scope: str) -> Access:
    def check(ctx: RequestContext) -> ApiPrincipal:
        client = _authenticate(ctx)
        if not client.has_scope(scope):
            raise InsufficientScope(scope)
        client.last_used_at = utcnow()
        actor = Actor(type="api_client", id=str(client.id), label=client.name, ip=ctx.ip, request_id=ctx.request_id)
        return ApiPrincipal(client, actor)

    return Access(name=POLICY_PREFIX + scope, check=check, csrf=False, writes=True, precheck=_sends_a_token)


_POLICIES = {scope: _policy(scope) for scope in SCOPES}


def requires(scope: str) -> Access:
    """The policy of a route that needs ``scope`` (a KeyError for a scope not in the registry)."""
    return _POLICIES[scope]


def scope_of(access: Access) -> str | None:
    """The scope an API policy asks for; None for a policy that is not one of these."""
    scope = access.name.removeprefix(POLICY_PREFIX)
    return scope if access.name.startswith(POLICY_PREFIX) and _POLICIES.get(scope) is access else None


def current_client(ctx: RequestContext) -> ApiClient:
    if not isinstance(ctx.principal, ApiPrincipal):
        raise BearerTokenRequired("This route is not behind the API token policy", token_sent=False)
    return ctx.principal.client
