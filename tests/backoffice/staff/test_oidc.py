"""Single sign-on end to end against a real (local) OpenID Connect provider: no mocks of authlib."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import update
from starlette.testclient import TestClient

from backoffice.staff.accounts import StaffUser
from backoffice.staff.oidc import OidcConfig
from backoffice.staff.web.routes import staff_routes
from backoffice.web import create_app
from shared.runtime import Runtime
from tests.backoffice.staff.helpers import actions, add_user, get_user
from tests.backoffice.staff.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, ServedProvider

CALLBACK_PREFIX = "http://testserver/backoffice"


@pytest.fixture(scope="module")
def served() -> Iterator[Provider]:
    server = ServedProvider()
    provider = server.start()
    yield provider
    server.stop()


@pytest.fixture
def provider(served: Provider) -> Provider:
    served.reset()
    return served


@pytest.fixture
def sso_client(runtime: Runtime, provider: Provider) -> Iterator[TestClient]:
    oidc: dict[str, Any] = {"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
             "oidc_provider_name": "Testshire staff account"}
    configured = Runtime(dataclasses.replace(runtime.settings, **oidc), runtime.engine, runtime.factory)
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client


def _round_trip(client: TestClient, start: str = "/sign-in/sso", *, tamper_state: bool | str = False) -> httpx.Response:
    """Browser -> us -> provider (signs straight in) -> back to our callback."""
    begin = client.get(start, follow_redirects=False)
    assert begin.status_code == 303, begin.text
    authorize = httpx.get(begin.headers["location"], follow_redirects=False)
    assert authorize.status_code == 302, authorize.text
    callback = authorize.headers["location"]
    assert callback.startswith(CALLBACK_PREFIX + "/sign-in/sso/callback?")
    path = callback.removeprefix(CALLBACK_PREFIX)
    if tamper_state:
        path = path.replace("state=", "state=" + (tamper_state if isinstance(tamper_state, str) else "x"))
    return client.get(path, follow_redirects=False)


def _signed_in_as(client: TestClient) -> str | None:
    response = client.get("/sign-out-everywhere", follow_redirects=False)
    return response.text if response.status_code == 200 else None


def test_authorization_request_uses_pkce_state_and_nonce(sso_client, provider) -> None:
    location = sso_client.get("/sign-in/sso", follow_redirects=False).headers["location"]
    url = urlsplit(location)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == provider.issuer + "/authorize"
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 43 and len(params["nonce"]) >= 43 and "openid" in params["scope"]
    assert params["redirect_uri"] == CALLBACK_PREFIX + "/sign-in/sso/callback"  # from BASE_URL, not the Host


def test_sign_in_page_offers_single_sign_on(sso_client, check_page) -> None:
    page = sso_client.get("/sign-in?next=/sign-out-everywhere")
    check_page(page, title="Sign in")
    assert "Sign in with Testshire staff account" in page.text
    assert "/sign-in/sso?next=%2Fsign-out-everywhere" in page.text


def test_valid_id_token_signs_in_an_existing_account(sso_client, provider, session_factory) -> None:
    user_id = add_user(session_factory, "cas@example.gov.uk")
    provider.email = "CAS@example.gov.uk"
    response = _round_trip(sso_client, "/sign-in/sso?next=/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["location"] == "/sign-out-everywhere"
    assert "cas@example.gov.uk" in (_signed_in_as(sso_client) or "")
    [event] = actions(session_factory, "staff.signed_in")
    assert event.actor_id == str(user_id) and event.detail == {"method": "sso"}
    assert provider.token_requests[0]["code_verifier"]  # PKCE verifier sent with the code


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-else"}, "'aud'"),
        ({"aud": ["someone-else", "another"], "azp": CLIENT_ID}, "'aud'"),
        ({"nonce": "replayed-nonce"}, "'nonce'"),
        ({"nonce": None}, "'nonce'"),
        ({"iss": "https://evil.example"}, "'iss'"),
        ({"exp": 1_000_000}, "expired"),
        ({"email_verified": False}, "not verified"),
        ({"email_verified": None}, "not verified"),  # silence is not verification
        ({"email_verified": "true"}, "not verified"),  # nor is a string
        ({"email": None}, "no usable email"),
        ({"email": "cas@@example.gov.uk"}, "no usable email"),  # one email rule: the mailer's
    ],
    ids=["audience", "audience-list", "nonce", "no-nonce", "issuer", "expired", "unverified-email",
         "email-verified-missing", "email-verified-string", "no-email", "unmailable-email"],
)
def test_untrustworthy_id_tokens_are_refused(sso_client, provider, check_page, session_factory, claims, reason) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    provider.claims = claims
    response = _round_trip(sso_client)
    check_page(response, status=400, title="You could not be signed in")
    assert _signed_in_as(sso_client) is None
    [event] = actions(session_factory, "staff.sso_failed")
    assert reason in event.detail["reason"], event.detail


def test_token_signed_by_another_key_is_refused(sso_client, provider, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})  # same kid, wrong key
    check_page(_round_trip(sso_client), status=400, title="You could not be signed in")
    assert _signed_in_as(sso_client) is None


def test_unknown_or_deactivated_email_is_refused(sso_client, provider, check_page, session_factory) -> None:
    add_user(session_factory, "gone@example.gov.uk", active=False)
    for email in ("nobody@example.gov.uk", "gone@example.gov.uk"):
        provider.email = email
        response = _round_trip(sso_client)
        check_page(response, status=403, title="You could not be signed in")
        assert "not linked to an active account" in response.text
        assert _signed_in_as(sso_client) is None
    reasons = [e.detail["reason"] for e in actions(session_factory, "staff.sign_in_failed")]
    assert reasons == ["unknown_account", "deactivated"]


def test_state_must_match_and_codes_work_once(sso_client, provider, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    check_page(_round_trip(sso_client, tamper_state=True), status=400)
    check_page(_round_trip(sso_client, tamper_state="%C3%A9"), status=400)  # non-ASCII: was a TypeError, a 500
    check_page(sso_client.get("/sign-in/sso/callback?code=abc&state=def"), status=400)  # nothing was started
    assert _signed_in_as(sso_client) is None


def test_single_sign_on_is_off_unless_configured(client, runtime, check_page) -> None:
    check_page(client.get("/sign-in/sso"), status=404)
    check_page(client.get("/sign-in/sso/callback?code=x&state=y"), status=404)
    names = {route.name for route in staff_routes(runtime.settings)}  # type: ignore[attr-defined]
    assert "staff-sso" not in names and "staff-sign-in" in names
    assert OidcConfig.from_settings(runtime.settings) is None


def test_issuer_must_be_https_except_on_this_machine() -> None:
    with pytest.raises(ValueError, match="https"):
        OidcConfig(issuer="http://idp.example", client_id="a", client_secret="b")
    assert OidcConfig(issuer="https://idp.example", client_id="a", client_secret="b").issuer


def test_wrong_client_secret_is_a_failed_sign_in_not_a_crash(runtime, provider, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    oidc: dict[str, Any] = {"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": "wrong"}
    configured = Runtime(dataclasses.replace(runtime.settings, **oidc), runtime.engine, runtime.factory)
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        check_page(_round_trip(client), status=400, title="You could not be signed in")
        assert _signed_in_as(client) is None
    [event] = actions(session_factory, "staff.sso_failed")
    assert "token request failed" in event.detail["reason"]


def test_unreachable_provider_is_a_failed_sign_in_not_a_crash(runtime, check_page, session_factory) -> None:
    oidc: dict[str, Any] = {"oidc_issuer": "http://127.0.0.1:9", "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET}
    configured = Runtime(dataclasses.replace(runtime.settings, **oidc), runtime.engine, runtime.factory)
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        check_page(client.get("/sign-in/sso"), status=400, title="You could not be signed in")
    assert actions(session_factory, "staff.sso_failed")


def _binding(factory, email: str) -> tuple[str | None, str | None]:
    user = get_user(factory, email)
    return user.oidc_issuer, user.oidc_subject


def test_first_sign_in_binds_the_subject(sso_client, provider, session_factory) -> None:
    user_id = add_user(session_factory, "cas@example.gov.uk")
    assert _binding(session_factory, "cas@example.gov.uk") == (None, None)
    assert _round_trip(sso_client).status_code == 303
    assert _binding(session_factory, "cas@example.gov.uk") == (provider.issuer, "user-123")
    [event] = actions(session_factory, "staff.sso_linked")
    assert event.object_id == str(user_id) and event.detail == {"issuer": provider.issuer, "subject": "user-123"}
    assert _round_trip(sso_client).status_code == 303  # the second time it is matched, not linked again
    assert len(actions(session_factory, "staff.sso_linked")) == 1
    assert len(actions(session_factory, "staff.signed_in")) == 2


def test_later_sign_ins_are_matched_by_subject_not_email(sso_client, provider, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    add_user(session_factory, "new.name@example.gov.uk")
    assert _round_trip(sso_client).status_code == 303
    sso_client.cookies.clear()
    provider.email = "new.name@example.gov.uk"  # the provider's address for the same person changed
    assert _round_trip(sso_client).status_code == 303
    assert "cas@example.gov.uk" in (_signed_in_as(sso_client) or "")  # the account the subject is bound to
    assert _binding(session_factory, "new.name@example.gov.uk") == (None, None)


def test_an_account_bound_to_another_subject_is_refused(sso_client, provider, check_page, session_factory) -> None:
    """Someone who gets the same address at the provider later (a reused mailbox) is not the account's owner."""
    user_id = add_user(session_factory, "cas@example.gov.uk")
    assert _round_trip(sso_client).status_code == 303
    sso_client.cookies.clear()
    provider.claims = {"sub": "someone-else"}
    response = _round_trip(sso_client)
    check_page(response, status=403, title="You could not be signed in")
    assert _signed_in_as(sso_client) is None
    assert _binding(session_factory, "cas@example.gov.uk") == (provider.issuer, "user-123")
    [event] = actions(session_factory, "staff.sign_in_failed")
    assert event.object_id == str(user_id)
    assert event.detail["reason"] == "subject_mismatch" and event.detail["method"] == "sso"


def test_a_bound_account_that_is_deactivated_is_refused(sso_client, provider, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    assert _round_trip(sso_client).status_code == 303
    sso_client.cookies.clear()
    with session_factory() as session, session.begin():
        session.execute(update(StaffUser).values(active=False))
    check_page(_round_trip(sso_client), status=403, title="You could not be signed in")
    assert _signed_in_as(sso_client) is None
    assert [e.detail["reason"] for e in actions(session_factory, "staff.sign_in_failed")] == ["deactivated"]


def test_one_subject_binds_one_account(db) -> None:
    from sqlalchemy.exc import IntegrityError

    from backoffice.staff.accounts import create_user
    from tests.backoffice.staff.helpers import SYSTEM

    first = create_user(db, SYSTEM, email="a@example.gov.uk", name="A", role="caseworker", password=None)
    second = create_user(db, SYSTEM, email="b@example.gov.uk", name="B", role="caseworker", password=None)
    first.oidc_issuer = second.oidc_issuer = "https://idp.example.gov.uk"
    first.oidc_subject = second.oidc_subject = "same"
    with pytest.raises(IntegrityError):
        db.flush()
