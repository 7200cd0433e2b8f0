"""Single sign-on through the organisation's OpenID Connect provider (optional).

The authorization-code flow with PKCE, ``state`` and ``nonce``. The ID token is
checked against the keys the issuer publishes (its discovery document at
``<issuer>/.well-known/openid-configuration``): signature, issuer, audience,
expiry and nonce. The provider's identity (issuer and ``sub``) is bound to the
staff account at its first single sign-on, found then by an email address the
provider says it has verified; later sign-ins are matched by that identity.
Single sign-on never creates an account, so who works here stays decided by
administrators.

This module speaks HTTP to the provider (with httpx) but knows nothing of our
own web layer: the caller keeps :class:`PendingSignIn` in the session.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import authlib.deprecate  # noqa: F401 - installs authlib's own "always" warning filter before ours
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shared.errors import DomainError
from shared.mail import address_error
from shared.settings import Settings

with warnings.catch_warnings():
    # Authlib 1.9 prefers "httpx2" and warns when it falls back to httpx, the client this project pins.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client, OAuthError
    from authlib.oidc.core import CodeIDToken

#: Asymmetric algorithms only: a symmetric one would let anyone holding the client secret mint tokens.
ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256", "RS384", "RS512", "ES384", "EdDSA")
CLOCK_LEEWAY_SECONDS = 60
METADATA_TTL_SECONDS = 3600


class SsoFailed(DomainError):
    """The provider's answer could not be trusted or used; ``detail`` is for logs and audit only."""

    status = 400
    title = "Single sign-on did not work"


@dataclass(frozen=True)
class OidcConfig:
    """How to reach the identity provider. Absent (None) means single sign-on is off."""

    issuer: str
    client_id: str
    client_secret: str
    provider_name: str = "your organisation's account"
    scopes: str = "openid email"
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.issuer)
        local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("OIDC_ISSUER must be an https:// address")

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """From the ``OIDC_*`` settings; None unless the issuer, client id and secret are all set."""
        issuer, client_id, secret = (
            (value or "").strip() for value in (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret))
        if not (issuer and client_id and secret):
            return None
        name = (settings.oidc_provider_name or "").strip() or cls.provider_name
        return cls(issuer=issuer.rstrip("/"), client_id=client_id, client_secret=secret, provider_name=name)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class PendingSignIn:
    """What must survive the round trip to the provider; kept in the signed session cookie."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> PendingSignIn | None:
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("state", "nonce", "code_verifier")):
            return None
        next_path = data.get("next_path")
        return cls(data["state"], data["nonce"], data["code_verifier"], next_path if isinstance(next_path, str) else None)


#: The longest ``sub`` OpenID Connect allows (Core 1.0, section 2).
MAX_SUBJECT_LENGTH = 255


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider vouches for: ``(issuer, subject)`` is the person; ``email`` is verified by the provider."""

    issuer: str
    subject: str
    email: str


_metadata_cache: dict[str, tuple[float, ProviderMetadata]] = {}


def provider_metadata(config: OidcConfig) -> ProviderMetadata:
    """The issuer's discovery document, cached for an hour; its ``issuer`` must be ours exactly."""
    cached = _metadata_cache.get(config.issuer)
    if cached and time.monotonic() - cached[0] < METADATA_TTL_SECONDS:
        return cached[1]
    document = _get_json(config, config.issuer + "/.well-known/openid-configuration")
    if document.get("issuer") != config.issuer:
        raise SsoFailed("the discovery document names a different issuer")
    try:
        supported = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        metadata = ProviderMetadata(
            issuer=document["issuer"],
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            algorithms=tuple(a for a in supported if a in ALLOWED_ALGORITHMS),
        )
    except KeyError as exc:
        raise SsoFailed(f"the discovery document lacks {exc}") from exc
    _metadata_cache[config.issuer] = (time.monotonic(), metadata)
    return metadata


def begin(config: OidcConfig, redirect_uri: str, next_path: str | None = None) -> tuple[str, PendingSignIn]:
    """The provider's sign-in address to send the browser to, and what to keep until it comes back."""
    metadata = provider_metadata(config)
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),
        next_path=next_path,
    )
    with _client(config, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata.authorization_endpoint, state=pending.state, code_verifier=pending.code_verifier, nonce=pending.nonce
        )
    return str(url), pending


def complete(config: OidcConfig, redirect_uri: str, pending: PendingSignIn | None, params: Mapping[str, str]) -> VerifiedIdentity:
    """Exchange the code (with the PKCE verifier) and verify the ID token; the email address it vouches for."""
    if pending is None:
        raise SsoFailed("no sign-in was started in this browser")
    if params.get("error"):
        raise SsoFailed(f"the provider refused: {params.get('error')}")
    # As bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, so a 500).
    if not secrets.compare_digest(params.get("state", "").encode(), pending.state.encode()):
        raise SsoFailed("state does not match")
    code = params.get("code", "")
    if not code:
        raise SsoFailed("no authorization code")
    metadata = provider_metadata(config)
    try:
        with _client(config, redirect_uri) as client:
            token = client.fetch_token(
                metadata.token_endpoint, grant_type="authorization_code", code=code, code_verifier=pending.code_verifier
            )
    except (httpx.HTTPError, OAuthError, ValueError) as exc:
        raise SsoFailed(f"the token request failed: {type(exc).__name__}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoFailed("no ID token")
    claims = verify_id_token(config, metadata, id_token, pending.nonce, token.get("access_token"))
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise SsoFailed("the ID token has no usable subject")
    email = claims.get("email")
    if not isinstance(email, str) or address_error(email) is not None:  # the one email rule (shared.mail)
        raise SsoFailed("the ID token has no usable email address")
    if claims.get("email_verified") is not True:  # missing is not verified: the address could be anyone's
        raise SsoFailed("the provider has not verified the email address")
    return VerifiedIdentity(issuer=config.issuer, subject=subject, email=email.strip().lower())


def verify_id_token(
    config: OidcConfig, metadata: ProviderMetadata, id_token: str, nonce: str, access_token: Any = None
) -> dict[str, Any]:
    """Signature against the issuer's JWKS, then iss, aud, exp, iat, nonce (and azp, at_hash when present)."""
    if not metadata.algorithms:
        raise SsoFailed("the provider offers no signing algorithm we accept")
    keys = KeySet.import_key_set(_get_json(config, metadata.jwks_uri))  # type: ignore[arg-type]
    try:
        decoded = jwt.decode(id_token, keys, algorithms=list(metadata.algorithms))
        params: dict[str, Any] = {"nonce": nonce, "client_id": config.client_id}
        if isinstance(access_token, str):
            params["access_token"] = access_token
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": config.issuer},
            "aud": {"essential": True, "value": config.client_id},
            "exp": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise SsoFailed(f"the ID token is not valid: {exc}") from exc
    return dict(claims)


def _client(config: OidcConfig, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
        timeout=config.timeout_seconds,
    )


def _get_json(config: OidcConfig, url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=config.timeout_seconds, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoFailed(f"could not read {url}: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise SsoFailed(f"{url} did not return a JSON object")
    return data
