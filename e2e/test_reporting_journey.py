"""The reporting area in a real browser, as a manager: the catalogue, the dashboard for last quarter (chosen
in the period picker), a figure followed to the cases behind it (as many as the figure says), the Cabinet
Office return downloaded as XLSX and ODS and read back with openpyxl and odfpy, the case list export and
the exports page; and the period picker worked by keyboard alone. At 1280 px also: your own dates (with
the error summary first), the other three reports, and a case list export made, scanned and downloaded.

Cases answered last quarter are imported first through the manager's import page, with the optional
history columns (responded_on, outcome, exemptions), so last quarter's figures are not all nought.
One signed-in browser context per width is kept for the module (CI time is tight). Every page goes through ``check_page``
(axe WCAG 2.2 AA, reflow at 320 px, console and CSP).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import Table as OdsTable
from odf.table import TableCell, TableRow
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from backoffice.intake.new_cases import today_in_london
from backoffice.reporting.periods import Period, last_quarter, quarter_of
from e2e.conftest import WIDTHS
from e2e.harness import check_page, focused, visit
from e2e.harness.checks import PageState, attach, state_of
from e2e.harness.report import Report
from e2e.harness.server import LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-1234"  # the demo data's published password
MANAGER = "manager@example.gov.uk"
BO = "/backoffice"
REPORTS = f"{BO}/reports"
WORD = "kerbstones"  # in the imported cases' subjects only
#: The imported answered requests: (outcome, exemptions) each; all FOI, answered a week after receipt.
ANSWERED = [("granted_in_full", ""), ("granted_in_full", ""), ("granted_in_full", ""),
            ("granted_in_part", "s40"), ("granted_in_part", "s40; s43"), ("not_held", "")]
GRANTED = sum(1 for outcome, _ in ANSWERED if outcome == "granted_in_full")
GRANTED_HEADING = "Initial Outcome: Granted in full"
SCAN_WAIT = 15.0


def _quarter() -> Period:
    return last_quarter(today_in_london())


# ---------------------------------------------------------------- signed-in pages and the imported cases


@pytest.fixture(scope="module")
def _pages(live_server: LiveServer | None, browser: Browser) -> Iterator[dict[int, Page]]:
    """Pages kept for the module; they ask for the browser so that it is closed after them."""
    if live_server is None:
        pytest.skip("imports cases and creates an export: needs the harness's own server")
    pages: dict[int, Page] = {}
    yield pages
    for page in pages.values():
        page.context.close()


def _signed_in(pages: dict[int, Page], browser: Browser, base_url: str, report: Report, width: int,
               test: str) -> Page:
    """The manager's page at this width, signed in through the real form the first time."""
    page = pages.get(width)
    if page is None:
        context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Europe/London",
                                      accept_downloads=True, **WIDTHS[width])
        context.set_default_timeout(10_000)
        page = attach(context.new_page(), PageState(width=width, test=test, report=report))
        visit(page, f"{BO}/sign-in")
        page.get_by_label("Email address").fill(MANAGER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        _go(page, page.get_by_role("button", name="Sign in").click)
        expect(page.get_by_role("button", name="Sign out").first).to_be_attached()
        pages[width] = page
    state_of(page).test = test
    return page


@pytest.fixture(scope="module")
def answered_last_quarter(_pages: dict[int, Page], browser: Browser, base_url: str, report: Report,
                          tmp_path_factory: pytest.TempPathFactory) -> int:
    """Import FOI requests received and answered last quarter (closed, with outcomes); how many."""
    page = _signed_in(_pages, browser, base_url, report, 1280, "import cases answered last quarter")
    start = _quarter().start
    lines = ["case_type,received_on,subject,description,requester_name,requester_email,requester_phone,"
             "requester_address,channel,priority,responded_on,outcome,exemptions"]
    for n, (outcome, exemptions) in enumerate(ANSWERED):
        received = start + dt.timedelta(days=3 + 7 * n)
        responded = received + dt.timedelta(days=7)
        lines.append(f"foi,{received.isoformat()},Dropped {WORD} {n},Which {WORD} were replaced on Mill Lane?,"
                     f"Sam Report {n},sam.report.{n}@example.com,,,email,normal,{responded.isoformat()},{outcome},"
                     f'"{exemptions}"')
    path = tmp_path_factory.mktemp("reporting-import") / "answered.csv"
    path.write_text("\n".join(lines) + "\n")
    visit(page, f"{BO}/cases/import")
    page.get_by_label(re.compile("spreadsheet|file", re.I)).first.set_input_files(str(path))
    _go(page, page.get_by_role("button", name="Import cases").click, "Import: answered cases")
    expect(page.locator("main")).to_contain_text(f"{len(ANSWERED)}")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    return len(ANSWERED)


@pytest.fixture
def manager(_pages: dict[int, Page], browser: Browser, base_url: str, report: Report, width: int,
            request: pytest.FixtureRequest) -> Page:
    return _signed_in(_pages, browser, base_url, report, width, request.node.name)


# ---------------------------------------------------------------- helpers


def _go(page: Page, click: Callable[[], None], name: str | None = None) -> None:
    with page.expect_navigation():
        click()
    check_page(page, name)


def _number(text: str) -> int:
    return int(text.strip().replace(",", ""))


def _tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until ``selector`` has focus; every stop on the way must be visible with a focus indicator."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => !document.activeElement || document.activeElement === document.body"):
            continue
        stop = focused(page)
        assert stop is not None and stop.visible and stop.indicator, f"focus not visible tabbing to {selector}: {stop}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the keyboard on {page.url}")


def _ods_sheets(data: bytes) -> dict[str, list[list[str]]]:
    found = {}
    for table in load(io.BytesIO(data)).spreadsheet.getElementsByType(OdsTable):
        found[table.getAttribute("name")] = [[teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
                                             for row in table.getElementsByType(TableRow)]
    return found


def _download(page: Page, link_name: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    assert download.failure() is None, download.failure()
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


# ---------------------------------------------------------------- the journey


def test_manager_reads_last_quarter(manager: Page, answered_last_quarter: int, clamd_socket: str | None,
                                    tmp_path: Path) -> None:
    page, quarter = manager, _quarter()
    mobile = state_of(page).mobile

    # The catalogue, then the dashboard (last quarter until another period is chosen).
    visit(page, REPORTS)
    expect(page.locator("h1")).to_have_text("Reports")
    _go(page, page.locator("main").get_by_role("link", name="dashboard").click)
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("main h2").first).to_have_text(quarter.label)

    # By keyboard alone: Tab to the period, Up to this quarter, Tab to "Show report", Enter.
    _tab_to(page, "#period")
    assert page.locator("#period").input_value() == quarter.key
    page.keyboard.press("ArrowUp")
    now = quarter_of(today_in_london())
    assert page.locator("#period").input_value() == now.key
    _tab_to(page, "form[method=get] button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, "Dashboard: this quarter, chosen by keyboard")
    assert f"period={now.key}" in page.url, page.url
    expect(page.locator("main h2").first).to_have_text(now.label)

    # Last quarter picked in the period select.
    page.get_by_label("Period", exact=True).select_option(quarter.key)
    _go(page, page.get_by_role("button", name="Show report").click, "Dashboard: last quarter")
    assert f"period={quarter.key}" in page.url, page.url
    expect(page.locator("main h2").first).to_have_text(quarter.label)
    expect(page.locator("main figure svg[role=img]")).to_have_count(3)

    # A figure in a chart's table, followed to its cases: as many as it says.
    figure = page.locator(f"table a.govuk-link[aria-label$='by outcome, {GRANTED_HEADING.split(': ')[1]}']")
    granted = _number(figure.inner_text())
    assert granted >= GRANTED, f"{granted} granted in full last quarter; {GRANTED} were imported"
    _go(page, figure.click, "Cases behind a dashboard figure")
    expect(page.locator("#case-count")).to_have_text(f"{granted:,} {'case' if granted == 1 else 'cases'}")
    expect(page.locator("main tbody tr")).to_have_count(min(granted, 25))
    expect(page.locator("main tbody")).to_contain_text(WORD)

    # The Cabinet Office return for last quarter, downloaded as XLSX and ODS and read back.
    visit(page, f"{REPORTS}/cabinet-office-return?period={quarter.key}")
    on_page = _number(page.locator("tr", has=page.locator(f"th:text-is('{GRANTED_HEADING}')")).locator("td").inner_text())
    assert on_page == granted, (on_page, granted)
    xlsx = _download(page, "Excel spreadsheet (XLSX)", tmp_path)
    assert xlsx.name == f"cabinet-office-return-{quarter.key}.xlsx"
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames[-1] == "Definitions" and len(book.sheetnames) == 2, book.sheetnames
    headings, values = list(book[book.sheetnames[0]].iter_rows(values_only=True))[:2]
    assert values[headings.index("Quarter")] == quarter.label
    assert values[headings.index(GRANTED_HEADING)] == granted
    book.close()
    ods = _download(page, "OpenDocument spreadsheet (ODS)", tmp_path)
    assert ods.name == f"cabinet-office-return-{quarter.key}.ods"
    sheets = _ods_sheets(ods.read_bytes())
    assert list(sheets)[-1] == "Definitions" and len(sheets) == 2, list(sheets)
    headings_ods, values_ods = next(iter(sheets.values()))[:2]
    assert values_ods[headings_ods.index(GRANTED_HEADING)] == str(granted)

    if not mobile:
        _other_periods_and_reports(page, quarter, granted)

    # The case list export, and (at 1280 px) one made, scanned and downloaded from the exports page.
    visit(page, f"{REPORTS}/case-list?period={quarter.key}")
    total = _number(page.locator("#case-count").inner_text().split()[0])
    assert total >= answered_last_quarter
    if mobile:
        visit(page, f"{REPORTS}/exports")
        return
    _download_a_case_list(page, quarter, total, scanned=bool(
        clamd_socket or os.environ.get("CLAMD_SOCKET") or os.environ.get("CLAMD_HOST")))


def _other_periods_and_reports(page: Page, quarter: Period, granted: int) -> None:
    """At 1280 px only (CI time): the same template at 320 px is the Cabinet Office return's, checked above."""
    # Your own dates: none typed is the error summary; the quarter's own first and last days, its figure.
    page.get_by_label("Period", exact=True).select_option("custom")
    _go(page, page.get_by_role("button", name="Show report").click, "Cabinet Office return: no dates typed")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary a[href='#from-day']")).to_be_visible()
    for legend, day in (("From", quarter.start), ("To", quarter.end)):
        group = page.get_by_role("group", name=re.compile(f"^{legend}"))
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    _go(page, page.get_by_role("button", name="Show report").click, "Cabinet Office return: your own dates")
    assert "period=custom" in page.url, page.url
    custom = _number(page.locator("tr", has=page.locator(f"th:text-is('{GRANTED_HEADING}')")).locator("td").inner_text())
    assert custom == granted, (custom, granted)

    # The other reports for last quarter.
    for name in ("timeliness", "management", "s45-publication", "service-report"):
        visit(page, f"{REPORTS}/{name}?period={quarter.key}")
        expect(page.locator("#figures")).to_have_text(quarter.label)


def _download_a_case_list(page: Page, quarter: Period, total: int, *, scanned: bool) -> None:
    """Ask for the list from its page; the exports page offers it once ClamAV has passed the file (without
    ClamAV it stays quarantined, so only the asking is checked)."""
    _go(page, page.get_by_role("button", name="Create the export").click, "Your exports: export asked for")
    expect(page.locator("h1")).to_have_text("Your exports")
    expect(page.locator("main tbody tr").first).to_contain_text(quarter.key)
    if not scanned:
        return
    link = f"Download XLSX of Case list for {quarter.key}"
    deadline = time.monotonic() + SCAN_WAIT
    while not page.get_by_role("link", name=link).count():
        assert time.monotonic() < deadline, f"the export was not ready within {SCAN_WAIT:.0f} s: " + \
            page.locator("main tbody tr").first.inner_text()
        time.sleep(0.5)
        visit(page, f"{REPORTS}/exports", name="Your exports: checked again")
    with page.expect_download() as info:
        page.get_by_role("link", name=link).first.click()
    listed = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    rows = list(listed[listed.sheetnames[0]].iter_rows(values_only=True))
    assert len(rows) - 1 == total, (len(rows) - 1, total)
    assert any(WORD in str(cell) for row in rows for cell in row)
    listed.close()

