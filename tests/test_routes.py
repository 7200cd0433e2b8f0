"""Route inventory: every route of every app declares who may use it, so none can be left open by accident."""

from __future__ import annotations

import pytest
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from shared.web.routing import UNSAFE_METHODS, Page
from tests.conftest import SPECS, starlette_app

#: Access policies that strangers may use. A route with any other policy must
#: refuse an anonymous request; those are tested where the policy is defined.
OPEN_POLICIES = {"public", "development-only"}


def all_routes(runtime) -> list[tuple[str, BaseRoute]]:
    found = []
    for spec in SPECS:
        app = starlette_app(spec, runtime)
        for route in app.routes:
            found.append((spec.key, route))
    return found


def test_every_route_is_a_page_with_declared_access(runtime) -> None:
    for key, route in all_routes(runtime):
        if isinstance(route, Mount):
            assert isinstance(route.app, StaticFiles), f"{key}: mount {route.path} is not static files"
            assert route.name in {"assets", "static"}
            continue
        assert isinstance(route, Page), f"{key}: {route} was not made with shared.web.page()"
        assert route.access.name, f"{key}: {route.path} has no access policy"


def test_unsafe_methods_are_csrf_protected_unless_token_authenticated(runtime) -> None:
    for key, route in all_routes(runtime):
        if isinstance(route, Page) and set(route.methods or ()) & UNSAFE_METHODS:
            assert route.access.csrf or route.api, f"{key}: {route.path} accepts unsafe methods without CSRF"


def test_open_routes_are_listed(runtime) -> None:
    """Adding a route anyone can reach is a decision: it has to be added to this list."""
    open_routes = sorted(
        f"{key} {route.path}"
        for key, route in all_routes(runtime)
        if isinstance(route, Page) and route.access.name in OPEN_POLICIES
    )
    expected_everywhere = ["/accessibility", "/cookies", "/dev/errors/{status:id}", "/healthz", "/privacy"]
    expected = {
        "backoffice": [
            "/",
            "/api/v1/openapi.json",
            "/password/changed",
            "/password/check-your-email",
            "/password/forgotten",
            "/password/new",
            "/sign-in",
            "/signed-out",
            "/support/check",
            "/support/check",
        ],
        "capture": [
            "/",
            "/confirm",
            "/confirm/new-link",
            "/feedback",
            "/feedback/thanks",
            "/keep-alive",
            "/progress",
            "/progress/check-your-email",
            "/progress/status",
            "/progress/view",
            "/request/{type_key}",
            "/request/{type_key}/check",
            "/request/{type_key}/check-your-email",
            "/request/{type_key}/published-answers",
            "/request/{type_key}/published-answers/follow",
            "/request/{type_key}/resend",
            "/request/{type_key}/suggestions",
            "/request/{type_key}/{page_key}",
            "/sent",
            "/status",
            "/status.atom",
        ],
        "disclosurelog": [
            "/",
            "/disclosure-log.csv",
            "/feed.atom",
            "/feed.json",
            "/performance",
            "/responses/{reference}",
            "/responses/{reference}/documents/{document_id:id}",
            "/search",
            "/search.atom",
            "/sitemap.xml",
            "/status",
            "/status.atom",
        ],
        "secureshare": [
            "/",
            "/removed",
            "/s/{token}",
            "/s/{token}/documents",
            "/s/{token}/documents/all",
            "/s/{token}/documents/{file_id:id}",
            "/s/{token}/history",
            "/s/{token}/history.csv",
            "/s/{token}/remove",
            "/s/{token}/sign-out",
            "/status",
            "/status.atom",
        ],
    }
    wanted = sorted(f"{key} {path}" for key, paths in expected.items() for path in [*paths, *expected_everywhere])
    assert open_routes == wanted


def test_single_sign_on_routes_exist_only_when_configured(runtime) -> None:
    import dataclasses

    from shared.runtime import Runtime

    def paths(rt: Runtime) -> set[str]:
        return {route.path for route in starlette_app("backoffice", rt).routes if isinstance(route, Page)}

    assert "/sign-in/sso" not in paths(runtime)
    configured = dataclasses.replace(runtime.settings, oidc_issuer="https://idp.example.gov.uk",
                                     oidc_client_id="civic", oidc_client_secret="s3cret")
    assert {"/sign-in/sso", "/sign-in/sso/callback"} <= paths(Runtime(configured, runtime.engine, runtime.factory))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.key)
def test_development_only_routes_are_404_in_production(runtime, spec) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from shared.runtime import Runtime

    production = Runtime(dataclasses.replace(runtime.settings, app_env="production"), runtime.engine, runtime.factory)
    app = spec.create_app(production)
    client = TestClient(app, raise_server_exceptions=False)
    for route in app.routes:
        if isinstance(route, Page) and route.access.name.startswith("development-only"):
            path = route.path.replace("{status:id}", "500").replace("{message_id:id}", "1")
            assert client.get(path).status_code == 404, path


def test_a_method_a_path_does_not_take_names_every_method_it_does(runtime) -> None:
    """GET and POST of /api/v1/cases are two routes: a 405 from either must list both (it listed GET, HEAD)."""
    from starlette.testclient import TestClient

    app = starlette_app("backoffice", runtime)
    shared_paths: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Page):
            shared_paths.setdefault(route.path, set()).update(route.methods or ())
    assert shared_paths["/api/v1/cases"] == {"GET", "HEAD", "POST"}
    client = TestClient(app, raise_server_exceptions=False)
    response = client.request("OPTIONS", "/api/v1/cases")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Method not allowed"
    page_response = client.request("DELETE", "/sign-in")
    assert page_response.status_code == 405 and page_response.headers["content-type"].startswith("text/html")
    assert set(page_response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
