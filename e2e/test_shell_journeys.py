"""The shell every app shares: start pages, support pages, error pages, keyboard use and GOV.UK Frontend JS.

Each test runs at 320 px (mobile) and 1280 px through the ``page`` fixture; every page reached is
checked with axe, for reflow, console and CSP errors, and recorded in the HTML report.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import (
    assert_govuk_frontend_initialised,
    assert_govuk_styled,
    assert_skip_link,
    check_page,
    soft_failures,
    tab_through,
    visit,
)

pytestmark = pytest.mark.e2e

APPS = {
    "capture": ("/capture/", "Make a request"),
    "secureshare": ("/secure-share/", "Get your response"),
    "disclosurelog": ("/disclosure-log/", "Disclosure log"),
    "backoffice": ("/backoffice/", "Case management"),
}
SUPPORT_PAGES = {
    "accessibility": "Accessibility statement",
    "cookies": "Cookies",
    "privacy": "Privacy",
}
# The 404 page is checked through a real unknown URL; these are the previews of the others.
ERROR_PAGES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have permission to see this page",
    413: "The file or form you sent is too large",
    429: "Sorry, you have made too many requests",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}
app_keys = pytest.mark.parametrize("app", list(APPS))


def _owner(page: Page) -> str:
    """The last part of every title: GOV.UK on the GOV.UK brand, else the organisation's name."""
    return page.title().rsplit(" – ", 1)[-1]


def _title(page: Page, service: str) -> re.Pattern[str]:
    return re.compile(rf"^(Error: )?.+ – {re.escape(service)} – {re.escape(_owner(page))}$")


def test_root_redirects_to_capture(page: Page, base_url: str) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    redirect = response.request.redirected_from
    assert redirect is not None, "/ did not redirect"
    redirect_response = redirect.response()
    assert redirect_response is not None and redirect_response.status in (301, 302, 303, 307, 308)
    assert page.url == base_url + "/capture/"
    check_page(page, "/ redirected to /capture/")


@app_keys
def test_start_page(page: Page, app: str) -> None:
    """GOV.UK-styled (stylesheet applied, fonts and images load) and GOV.UK Frontend JS started under the CSP."""
    path, service = APPS[app]
    visit(page, path)
    expect(page.locator("h1")).to_have_count(1)
    h1 = page.locator("h1").inner_text().strip()
    expect(page).to_have_title(f"{h1} – {service} – {_owner(page)}")
    expect(page.locator(".govuk-service-navigation__service-name")).to_have_text(service)
    assert_govuk_styled(page)
    assert_govuk_frontend_initialised(page)


@app_keys
def test_keyboard_on_start_page(page: Page, app: str) -> None:
    """Skip link first and working; then the header link; service navigation and footer links reachable."""
    path, service = APPS[app]
    visit(page, path)
    assert_skip_link(page)
    stops = tab_through(page)
    described = [str(stop) for stop in stops]
    assert "govuk-skip-link" in stops[0].classes, f"first tab stop: {stops[0]}"
    header_href = page.locator(".govuk-generic-header__homepage-link, .govuk-header__homepage-link").get_attribute("href")
    assert stops[1].href == header_href, f"second tab stop is {stops[1]}, not the header link"
    assert any(stop.text == service and stop.href == path for stop in stops), f"service navigation not reachable: {described}"
    for text in SUPPORT_PAGES.values():
        assert any(stop.text == text for stop in stops), f"footer link {text!r} not reachable: {described}"
    nav = page.locator(".govuk-service-navigation__list a")
    if nav.count() and not page.locator(".govuk-service-navigation__toggle").is_visible():
        hrefs = set(nav.evaluate_all("links => links.map((a) => a.getAttribute('href'))"))
        assert hrefs <= {stop.href for stop in stops}, f"navigation links not all reachable: {described}"


@app_keys
def test_support_pages(page: Page, app: str) -> None:
    """The accessibility statement, then Cookies and Privacy reached the way people reach them: the footer links."""
    path, service = APPS[app]
    with soft_failures() as soft:
        for which, link in SUPPORT_PAGES.items():
            if which == "accessibility":
                soft.run(visit, page, f"{path}{which}")
            else:
                page.locator(".govuk-footer").get_by_role("link", name=link, exact=True).click()
                page.wait_for_url(f"**{path}{which}")
                soft.run(check_page, page)
            soft.run(expect(page.locator("h1")).to_have_count, 1)
            soft.run(expect(page).to_have_title, _title(page, service))
            soft.run(assert_govuk_frontend_initialised, page)


@app_keys
def test_error_pages(page: Page, app: str, external: bool) -> None:
    """A real unknown URL (the 404 page), then every other error page through the development-only previews."""
    path, service = APPS[app]
    with soft_failures() as soft:
        soft.run(visit, page, f"{path}no-such-page/e2e", status=404)
        soft.run(expect(page.locator("h1")).to_have_text, "Page not found")
        soft.run(expect(page.locator(".govuk-service-navigation__service-name")).to_have_text, service)
        soft.run(expect(page.locator(".govuk-breadcrumbs")).to_have_count, 0)
        for status, heading in ERROR_PAGES.items():
            response = page.goto(f"{path}dev/errors/{status}")
            assert response is not None
            if external and response.status == 404:
                pytest.skip("error previews are development-only; this deployment runs in production")
            soft.run(_check_error_page, page, response.status, status, heading, path, service)


def _check_error_page(page: Page, got: int, status: int, heading: str, path: str, service: str) -> None:
    assert got == status, f"{path}dev/errors/{status} answered {got}"
    check_page(page, f"{path}dev/errors/{status}")
    expect(page.locator("h1")).to_have_text(heading)
    expect(page).to_have_title(f"{heading} – {service} – {_owner(page)}")
    expect(page.get_by_role("link", name=f"Go to the start of {service}")).to_have_attribute("href", path)
    body = page.locator("main").inner_text()
    for jargon in ("Traceback", "Exception", "Error:", str(status)):
        assert jargon not in body, f"{jargon!r} shown to the public on the {status} page"


def test_unknown_url_outside_the_apps_is_a_govuk_404(page: Page) -> None:
    response = page.goto("/no-such-page-e2e")
    assert response is not None and response.status == 404
    assert page.locator("h1").count() == 1, "not a GOV.UK page: " + page.locator("body").inner_text()[:200]
    check_page(page, "/no-such-page-e2e")
    expect(page.locator("h1")).to_have_text("Page not found")
