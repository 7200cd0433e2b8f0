"""What every journey does on every page it reaches: ``visit(page, url)`` and ``check_page(page, name)``.

The fixtures in e2e/conftest.py attach a :class:`PageState` to each page they
open; the helpers here find it again, so journeys only pass the page around.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import ConsoleMessage, Page, Request, Response

from e2e.harness.axe import format_violations, run_axe
from e2e.harness.report import PageRecord, Report

# Chromium's console line for any 4xx/5xx response; sub-resources are caught by the response listener
# instead, and an error page's own status is asserted by ``visit``.
_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of \d+")


@dataclass
class PageState:
    width: int
    test: str
    report: Report
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    shots: int = 0

    @property
    def mobile(self) -> bool:
        return self.width <= 320

    def drain(self) -> list[str]:
        problems = [*self.console_errors, *self.bad_responses]
        self.console_errors.clear()
        self.bad_responses.clear()
        return problems


_STATES: weakref.WeakKeyDictionary[Page, PageState] = weakref.WeakKeyDictionary()


def _cancelled_by_navigation(request: Request) -> bool:
    """The browser's own fetch of an icon (resource type "other"), cancelled because the journey moved on to
    the next page before it finished: not the page's fault. A document, script, style sheet or image that
    fails still counts."""
    return request.resource_type == "other" and (request.failure or "").startswith("net::ERR_ABORTED")


def attach(page: Page, state: PageState) -> Page:
    """Watch a page for console errors, uncaught exceptions, CSP violations and failed sub-resources."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _FAILED_LOAD.match(message.text):
            where = message.location.get("url", "") if message.location else ""
            state.console_errors.append(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def on_response(response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame:
            return
        if response.status >= 400:
            state.bad_responses.append(f"HTTP {response.status} for {request.resource_type} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: state.console_errors.append(f"uncaught exception: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", lambda request: None if _cancelled_by_navigation(request) else state.bad_responses.append(
        f"request failed ({request.failure}) for {request.resource_type} {request.url}"))
    # Belt and braces: CSP violations are also console errors, but this catches them without a console.
    page.add_init_script(
        "window.__e2eCsp = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.__e2eCsp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"
    )
    _STATES[page] = state
    return page


def state_of(page: Page) -> PageState:
    try:
        return _STATES[page]
    except KeyError:
        raise RuntimeError("this page was not opened by the e2e fixtures (page, mobile_page, desktop_page, open_page)") from None


def page_width(page: Page) -> int:
    return state_of(page).width


def horizontal_overflow(page: Page) -> dict[str, int] | None:
    """None when the page fits its viewport; otherwise the sizes, for the message."""
    sizes: dict[str, int] = page.evaluate(
        "() => ({scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth,"
        " clientWidth: document.documentElement.clientWidth})"
    )
    viewport = page.viewport_size["width"] if page.viewport_size else sizes["innerWidth"]
    if sizes["scrollWidth"] <= min(sizes["innerWidth"], viewport):
        return None
    return sizes


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:90] or "page"


def check_page(
    page: Page,
    name: str | None = None,
    *,
    axe: bool = True,
    reflow: bool | None = None,
    screenshot: bool = True,
    disable_rules: tuple[str, ...] = (),
    record: bool = True,
) -> PageRecord:
    """Check the page as it is now and record it for the report; raises AssertionError listing every problem.

    Zero axe violations (WCAG 2.x A/AA tags, region rule on), no horizontal scroll at 320 px,
    no console errors, uncaught exceptions, CSP violations or failed sub-resources since the last check.
    """
    state = state_of(page)
    url = page.url
    name = name or re.sub(r"^https?://[^/]+", "", url) or url
    result = PageRecord(test=state.test, name=name, url=url, title=page.title(), width=state.width)
    problems = result.problems
    if axe:
        result.violations = run_axe(page, disable=disable_rules)
    if reflow if reflow is not None else state.mobile:
        overflow = horizontal_overflow(page)
        if overflow:
            problems.append(
                f"horizontal scrolling at {state.width} px: scrollWidth {overflow['scrollWidth']} > innerWidth {overflow['innerWidth']}"
            )
    csp = page.evaluate("() => (window.__e2eCsp || []).splice(0)")
    problems.extend(f"CSP violation: {v}" for v in csp)
    problems.extend(p for p in state.drain() if not (p.startswith("console error: Refused") and csp))
    if screenshot and record:
        state.shots += 1
        filename = f"{_slug(state.test)}--{state.shots:02d}-{_slug(name)}-{state.width}.jpg"
        # JPEG: about twice as fast as PNG to encode, and plenty for a report.
        page.screenshot(path=str(state.report.screenshots / filename), full_page=True, type="jpeg", quality=80,
                        animations="disabled")
        result.screenshot = f"screenshots/{filename}"
    if record:
        state.report.add(result)
    message = []
    if result.violations:
        message.append(f"axe violations:\n{format_violations(result.violations)}")
    message.extend(problems)
    assert not message, f"{name} at {state.width} px ({url}):\n" + "\n".join(message)
    return result


class SoftFailures:
    """Keep going after a failed page check, and fail once at the end with every problem.

    ``with soft_failures() as soft: soft.run(lambda: visit(page, url))`` - for journeys that loop over pages.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []

    def run(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except AssertionError as exc:
            self.failures.append(str(exc))
            return None


@contextmanager
def soft_failures() -> Iterator[SoftFailures]:
    soft = SoftFailures()
    yield soft
    assert not soft.failures, f"{len(soft.failures)} page(s) failed:\n\n" + "\n\n".join(soft.failures)


def visit(page: Page, url: str, *, name: str | None = None, status: int = 200, **check: Any) -> Response:
    """Go to ``url`` (relative to the base URL), assert the final status, then ``check_page``."""
    response = page.goto(url, wait_until="load")
    assert response is not None, f"no response for {url}"
    assert response.status == status, f"{url}: HTTP {response.status}, expected {status}"
    check_page(page, name, **check)
    return response


# ---------------------------------------------------------------- GOV.UK styling and JavaScript


def press_continue(page: Page) -> None:
    """Press a question page's "Continue", expect no error summary on the next page, and check it."""
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(".govuk-error-summary").inner_text()
    check_page(page)


def govuk_styling(page: Page) -> dict[str, Any]:
    """Computed-style evidence that GOV.UK Frontend's stylesheet applied."""
    info: dict[str, Any] = page.evaluate(
        """() => {
          const body = document.querySelector('.govuk-template__body');
          const h1 = document.querySelector('h1');
          const sheets = [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => {
            let rules = -1;
            try { rules = l.sheet ? l.sheet.cssRules.length : -1; } catch (e) { rules = -2; }
            return {href: l.href, rules};
          });
          const bodyStyle = body ? getComputedStyle(body) : null;
          return {
            hasTemplateBody: !!body,
            bodyMargin: bodyStyle ? bodyStyle.margin : null,
            // GOV.UK styles text by class (.govuk-body, headings), not <body> itself.
            bodyFont: (() => { const p = document.querySelector('main .govuk-body, main p');
              return p ? getComputedStyle(p).fontFamily : null; })(),
            h1Font: h1 ? getComputedStyle(h1).fontFamily : null,
            h1Weight: h1 ? getComputedStyle(h1).fontWeight : null,
            sheets,
            images: [...document.images].map((i) => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
            icons: [...document.querySelectorAll('link[rel~=icon]')].map((l) => l.href),
          };
        }"""
    )
    return info


def assert_govuk_styled(page: Page) -> None:
    info = govuk_styling(page)
    assert info["hasTemplateBody"], "no .govuk-template__body"
    assert info["bodyMargin"] == "0px", f".govuk-template__body margin is {info['bodyMargin']}, GOV.UK sets 0"
    for where in ("bodyFont", "h1Font"):
        font = (info[where] or "").lower()
        assert font and "times" not in font and font not in ("serif", "sans-serif"), f"{where} is the browser default: {font}"
        assert "arial" in font or "gds transport" in font, f"{where} is not GOV.UK's: {font}"
    assert info["h1Weight"] == "700", f"h1 weight {info['h1Weight']}"
    assert info["sheets"], "no stylesheets"
    for sheet in info["sheets"]:
        assert sheet["rules"] > 0, f"stylesheet not applied: {sheet}"
    broken = [i["src"] for i in info["images"] if not i["ok"]]
    assert not broken, f"images not loaded: {broken}"
    assert_assets_load(page, [s["href"] for s in info["sheets"]], [*info["icons"], *(i["src"] for i in info["images"])])


_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def assert_assets_load(page: Page, stylesheets: list[str], others: list[str]) -> None:
    """Every font and image the stylesheets refer to (both GOV.UK stylesheets) answers 200."""
    urls: set[str] = set(others)
    sheets = set(stylesheets)
    for href in stylesheets:
        if "govuk-frontend" in href:  # check the fonts of the other brand's stylesheet too
            sheets.add(href.rsplit("/", 1)[0] + "/govuk-frontend.min.css")
            sheets.add(href.rsplit("/", 1)[0] + "/govuk-frontend-organisation.min.css")
    for href in sorted(sheets):
        response = page.request.get(href)
        assert response.status == 200, f"{href}: HTTP {response.status}"
        assert response.headers.get("content-type", "").startswith("text/css"), f"{href} is {response.headers.get('content-type')}"
        for ref in _CSS_URL.findall(response.text()):
            if not ref.startswith(("data:", "#")):
                urls.add(urljoin(href, ref))
    assert any("/fonts/" in u for u in urls) or not any("govuk-frontend" in s for s in sheets), "no fonts referenced"
    failures = []
    for url in sorted(urls):
        response = page.request.get(url)
        if response.status != 200:
            failures.append(f"{url}: HTTP {response.status}")
    assert not failures, "assets that do not load:\n" + "\n".join(failures)


def assert_govuk_frontend_initialised(page: Page) -> None:
    """The inline script ran (under the CSP) and initAll() from civic.js started every component."""
    info: dict[str, Any] = page.evaluate(
        """() => ({
          supported: document.body.classList.contains('govuk-frontend-supported'),
          jsEnabled: document.body.classList.contains('js-enabled'),
          modules: [...document.querySelectorAll('[data-module]')].map((el) => ({
            module: el.dataset.module, init: el.hasAttribute('data-' + el.dataset.module + '-init')})),
        })"""
    )
    assert info["jsEnabled"] and info["supported"], f"body classes missing: {info}"
    assert info["modules"], "no data-module components on the page"
    not_started = [m["module"] for m in info["modules"] if not m["init"]]
    assert not not_started, f"components not initialised by initAll(): {not_started}"


# ---------------------------------------------------------------- keyboard

_SNAPSHOT_UNFOCUSED = """() => {
  const sig = (el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor,
    s.boxShadow, s.backgroundColor, s.color, s.textDecorationLine, s.borderColor].join('|'); };
  window.__e2eUnfocused = new Map();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    window.__e2eUnfocused.set(el, sig(el));
  }
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
}"""

_DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const sig = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color,
    s.textDecorationLine, s.borderColor].join('|');
  const r = el.getBoundingClientRect();
  const before = window.__e2eUnfocused ? window.__e2eUnfocused.get(el) : undefined;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || '',
    classes: el.className && el.className.baseVal === undefined ? String(el.className) : '',
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
    href: el.getAttribute('href') || '',
    visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0',
    inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    focusVisible: el.matches(':focus-visible'),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
    boxShadow: s.boxShadow !== 'none',
    background: s.backgroundColor,
    changed: before !== undefined && before !== sig,
    key: el.outerHTML.slice(0, 200) + '@' + Math.round(r.top) + ',' + Math.round(r.left),
  };
}"""


@dataclass(frozen=True)
class FocusStop:
    tag: str
    id: str
    classes: str
    text: str
    href: str
    visible: bool
    in_viewport: bool
    focus_visible: bool
    outline: bool
    box_shadow: bool
    background: str
    changed: bool

    @property
    def indicator(self) -> bool:
        return self.outline or self.box_shadow or self.changed

    def __str__(self) -> str:
        return f"<{self.tag}{'#' + self.id if self.id else ''}> {self.text!r} {self.href}"


def focused(page: Page) -> FocusStop | None:
    raw = page.evaluate(_DESCRIBE_FOCUS)
    if raw is None:
        return None
    raw.pop("key")
    return focused_from(raw)


_FOCUS_FROM_TOP = """() => {
  // Move the sequential focus navigation starting point to the top of <body>: focus a
  // temporary element there and remove it. Blur alone keeps the old starting point.
  const start = document.createElement('span');
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus({preventScroll: true});
  start.remove();
  window.scrollTo(0, 0);
}"""


def focus_from_top(page: Page) -> None:
    """The next Tab goes to the first focusable element, as on a freshly loaded page."""
    page.evaluate(_FOCUS_FROM_TOP)


def tab_through(page: Page, *, limit: int = 120) -> list[FocusStop]:
    """Press Tab from the top of the page until focus leaves the document; every stop must be visible
    with a visible focus indicator. Returns the stops in order."""
    page.evaluate(_SNAPSHOT_UNFOCUSED)
    focus_from_top(page)
    stops: list[FocusStop] = []
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        raw = page.evaluate(_DESCRIBE_FOCUS)
        if raw is None:
            break
        key = raw.pop("key")
        if key in seen:
            break
        seen.add(key)
        stop = focused_from(raw)
        stops.append(stop)
    else:
        raise AssertionError(f"focus did not leave the page after {limit} Tab presses (a keyboard trap?)")
    problems = []
    for stop in stops:
        if not stop.visible or not stop.in_viewport:
            problems.append(f"focus on an element that cannot be seen: {stop}")
        if not stop.indicator:
            problems.append(f"no visible focus indicator on {stop}")
    assert not problems, "\n".join(problems)
    return stops


def focused_from(raw: dict[str, Any]) -> FocusStop:
    raw = dict(raw)
    raw["in_viewport"] = raw.pop("inViewport")
    raw["focus_visible"] = raw.pop("focusVisible")
    raw["box_shadow"] = raw.pop("boxShadow")
    return FocusStop(**raw)


def assert_skip_link(page: Page) -> None:
    """From the top of the page, the first Tab lands on the skip link, and Enter moves focus to #main-content."""
    focus_from_top(page)
    page.keyboard.press("Tab")
    stop = focused(page)
    assert stop is not None and "govuk-skip-link" in stop.classes, f"first tab stop is {stop}, not the skip link"
    assert stop.visible and stop.in_viewport and stop.indicator, f"skip link not visible when focused: {stop}"
    assert stop.href == "#main-content", stop.href
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main-content'", timeout=2000)
    assert page.url.endswith("#main-content"), page.url
