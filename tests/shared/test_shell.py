"""The GOV.UK shell: every app's start page, the shared pages and every error page."""

from __future__ import annotations

import pytest

APPS = ["capture", "secureshare", "disclosurelog", "backoffice"]
START_TITLES = {
    "capture": "Make a request to Testshire Council",
    "secureshare": "Get the response to your request",
    "disclosurelog": "Testshire Council disclosure log",
    "backoffice": "Case management for Testshire Council staff",
}


@pytest.mark.parametrize("key", APPS)
def test_start_page(app_client, check_page, key: str) -> None:
    response = app_client(key).get("/")
    page = check_page(response, title=START_TITLES[key])
    assert "govuk-frontend-organisation.min.css" in response.text
    assert "govuk-generic-header" in response.text and "Testshire Council" in response.text
    assert 'href="#main-content"' in response.text  # skip link
    for link in ("/accessibility", "/cookies", "/privacy"):
        assert f'href="{link}"' in response.text
    assert page.title.strip().endswith("Testshire Council")


@pytest.mark.parametrize("path,title", [("/accessibility", "Accessibility statement"), ("/cookies", "Cookies"),
                                        ("/privacy", "Privacy notice")])
@pytest.mark.parametrize("key", APPS)
def test_shared_pages(app_client, check_page, key: str, path: str, title: str) -> None:
    check_page(app_client(key).get(path), title=title)


@pytest.mark.parametrize("status,heading", [
    (400, "Sorry, there is a problem with your request"),
    (403, "You do not have permission to see this page"),
    (404, "Page not found"),
    (413, "The file or form you sent is too large"),
    (429, "Sorry, you have made too many requests"),
    (500, "Sorry, there is a problem with the service"),
    (503, "Sorry, the service is unavailable"),
])
def test_error_pages(app_client, check_page, status: int, heading: str) -> None:
    response = app_client("capture").get(f"/dev/errors/{status}")
    page = check_page(response, status=status, title=heading)
    assert "Traceback" not in response.text
    assert page.h1 == 1


def test_unknown_page_is_govuk_404(app_client, check_page) -> None:
    check_page(app_client("disclosurelog").get("/no-such-page"), status=404, title="Page not found")


def test_error_preview_is_hidden_in_production(runtime, check_page) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from shared.runtime import Runtime
    from tests.conftest import spec

    production = Runtime(dataclasses.replace(runtime.settings, app_env="production"), runtime.engine, runtime.factory)
    client = TestClient(spec("capture").create_app(production), raise_server_exceptions=False)
    check_page(client.get("/dev/errors/500"), status=404, title="Page not found")


def test_govuk_brand(runtime, check_page) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from shared.runtime import Runtime
    from tests.conftest import spec

    govuk = Runtime(dataclasses.replace(runtime.settings, brand="govuk"), runtime.engine, runtime.factory)
    response = TestClient(spec("capture").create_app(govuk)).get("/")
    check_page(response)
    assert "govuk-frontend.min.css" in response.text and "govuk-header__logo" in response.text
    assert "– GOV.UK" in response.text
