"""The API's access policy: a bearer token from ``civic create-api-client``, checked on every request.

No cookies and no CSRF: a browser never sends the Authorization header on its
own. A revoked token stops working on the next request because the client is
looked up every time; ``last_used_at`` shows administrators which tokens are
still in use before they revoke one.
"""

from __future__ import annotations

from backoffice.api.errors import BearerTokenRequired
from backoffice.staff.api_clients import ApiClient, client_for_token
from shared.audit import Actor
from shared.db import utcnow
from shared.web import Access, Request, RequestContext

CLIENT_KEY = "api_client"


def _check(ctx: RequestContext) -> Actor:
    scheme, _, token = ctx.request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise BearerTokenRequired("Send an API token as 'Authorization: Bearer <token>'", token_sent=False)
    client = client_for_token(ctx.db, token)
    if client is None:
        raise BearerTokenRequired("The API token is not valid or has been revoked", token_sent=True)
    client.last_used_at = utcnow()
    ctx.extra[CLIENT_KEY] = client
    return Actor(type="api_client", id=str(client.id), label=client.name, ip=ctx.ip, request_id=ctx.request_id)


def _sends_a_token(request: Request) -> bool:
    """No bearer token at all: ``_check`` refuses, so the body is never read."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


API_TOKEN = Access(name="api-token", check=_check, csrf=False, api=True, writes=True, precheck=_sends_a_token)


def current_client(ctx: RequestContext) -> ApiClient:
    client = ctx.extra.get(CLIENT_KEY)
    if not isinstance(client, ApiClient):
        raise BearerTokenRequired("This route is not behind the API token policy", token_sent=False)
    return client
